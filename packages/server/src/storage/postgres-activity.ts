/**
 * The PostgreSQL store's activity log, in the same database as the documents, shared by every
 * instance on it. Ids come from one identity sequence (never reused, not even after retention
 * deletes the oldest), and every instance can `follow` the log: each event, of every instance,
 * delivered once, in id order.
 *
 * Ordering: an identity value is drawn when a row is inserted, not when it commits, so two
 * concurrent appends could commit ids 8 and 7 in that order, and a reader that saw 8 would never
 * look back for 7. Every append therefore takes one transaction-level advisory lock before
 * drawing its id and holds it until its commit: ids are drawn and committed in the same order,
 * and once an id is visible every lower id is visible too or never will be (a rolled-back append
 * leaves a gap, which readers simply skip). The same transaction sends `pg_notify`, which
 * PostgreSQL delivers only once it commits.
 *
 * Following: a dedicated connection (not the pool's) LISTENs; each notification, and each
 * reconnection, reads the events above the last delivered id, so a notification lost while the
 * connection was down is caught up by the next read; a periodic read notices a connection that
 * died silently. Reads of one follower never overlap.
 */
import { Client, type Notification, type Pool, type QueryResult, type QueryResultRow } from 'pg'
import type { ActivityEvent, NewActivityEvent } from '@cowrite/protocol'
import type { Logger } from '../log.js'
import type { ActivityLog } from './activity-log.js'
import { LOCK_ACTIVITY, LOCK_CLASS } from './postgres-schema.js'

/** The channel every append notifies with its id. */
export const ACTIVITY_CHANNEL = 'cowrite_activity'
/** Events read per catch-up query. */
const CATCH_UP_BATCH = 500
/** Reconnection backoff of a follower: first delay, growth, ceiling. */
const RECONNECT_FIRST_MS = 100
const RECONNECT_MAX_MS = 5_000
/**
 * A follower also reads on this period without a notification: a LISTEN connection that died
 * silently (a network partition sends no FIN) would otherwise wait for TCP to give up, which takes
 * many minutes; a read that does not answer within the query timeout counts as a lost connection.
 */
const POLL_MS = 10_000
const QUERY_TIMEOUT_MS = 10_000

export interface PostgresActivityLog extends ActivityLog {
  follow(listener: (event: ActivityEvent) => void): Promise<() => Promise<void>>
  /** Stop every follower (the store's `close`). */
  close(): Promise<void>
}

export interface PostgresActivityOptions {
  pool: Pool
  /** Connection string for followers' own connections (the pool's). */
  url: string
  /** Events kept (oldest dropped). */
  retention: number
  log?: Logger
}

/** A pool, a pooled client or a follower's own client: anything that runs a query. */
interface Queryable {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>
}

interface Row {
  id: string
  data: string
}

const toEvent = (row: Row): ActivityEvent => ({ ...(JSON.parse(row.data) as ActivityEvent), id: Number(row.id) })

export function createPostgresActivityLog(options: PostgresActivityOptions): PostgresActivityLog {
  const { pool, retention, log } = options
  // Each instance prunes after every `pruneEvery` of its own appends, so the log holds at most
  // about retention + pruneEvery × instances events (SQLite tolerates a slack of 256 likewise).
  const pruneEvery = Math.min(256, Math.max(1, retention >> 4))
  let sincePrune = pruneEvery - 1 // the first append after a start prunes
  const followers = new Set<Follower>()

  const after = async (id: number, room: string | undefined, limit: number, client: Queryable = pool) => {
    const { rows } =
      room === undefined
        ? await client.query<Row>('SELECT id, data FROM cowrite.activity WHERE id > $1 ORDER BY id LIMIT $2', [id, limit])
        : await client.query<Row>('SELECT id, data FROM cowrite.activity WHERE id > $1 AND room = $2 ORDER BY id LIMIT $3', [id, room, limit])
    return rows.map(toEvent)
  }
  const newest = async (client: Queryable = pool): Promise<number> => {
    const { rows } = await client.query<{ newest: string | null }>('SELECT max(id) AS newest FROM cowrite.activity')
    return rows[0]!.newest === null ? 0 : Number(rows[0]!.newest)
  }

  return {
    async append(event: NewActivityEvent) {
      // One statement, so one transaction: the lock (see the module header) is taken before the
      // id is drawn, since the INSERT's one row comes out of the lock's CTE, and held until the
      // statement commits. pg_notify's message leaves at that commit too.
      const { rows } = await pool.query<{ id: string }>(
        `WITH locked AS MATERIALIZED (SELECT pg_advisory_xact_lock($3, $4)),
              stored AS (INSERT INTO cowrite.activity (room, data) SELECT $1, $2 FROM locked RETURNING id)
         SELECT id, pg_notify('${ACTIVITY_CHANNEL}', id::text) FROM stored`,
        [event.room, JSON.stringify(event), LOCK_CLASS, LOCK_ACTIVITY],
      )
      const id = Number(rows[0]!.id)
      if (++sincePrune >= pruneEvery) {
        // Apart from the append (it needs no lock: deleting the oldest rows races nothing). A
        // failure is only logged; the next append tries again.
        try {
          await pool.query('DELETE FROM cowrite.activity WHERE id <= (SELECT id FROM cowrite.activity ORDER BY id DESC OFFSET $1 LIMIT 1)', [
            retention,
          ])
          sincePrune = 0
        } catch (error) {
          log?.warn({ err: error }, 'activity retention pruning failed; retried after the next append')
        }
      }
      return { ...event, id } as ActivityEvent
    },
    after: (id, room, limit) => after(id, room, limit),
    async tail(count, room) {
      const { rows } =
        room === undefined
          ? await pool.query<Row>('SELECT id, data FROM cowrite.activity ORDER BY id DESC LIMIT $1', [count])
          : await pool.query<Row>('SELECT id, data FROM cowrite.activity WHERE room = $1 ORDER BY id DESC LIMIT $2', [room, count])
      return rows.reverse().map(toEvent)
    },
    async bounds() {
      const { rows } = await pool.query<{ oldest: string | null; newest: string | null }>(
        'SELECT min(id) AS oldest, max(id) AS newest FROM cowrite.activity',
      )
      const { oldest, newest } = rows[0]!
      return { oldest: oldest === null ? null : Number(oldest), newest: newest === null ? null : Number(newest) }
    },
    async follow(listener) {
      const follower = new Follower(options, listener, after, newest)
      await follower.start()
      followers.add(follower)
      return async () => {
        followers.delete(follower)
        await follower.stop()
      }
    },
    async close() {
      const stopping = [...followers].map((follower) => follower.stop())
      followers.clear()
      await Promise.allSettled(stopping)
    },
  }
}

type ReadAfter = (id: number, room: undefined, limit: number, client: Client) => Promise<ActivityEvent[]>
type ReadNewest = (client: Client) => Promise<number>

/**
 * One follower: its own LISTEN connection, the last id it delivered, and the loop that reads and
 * delivers what lies above it. Connection loss is logged once, retried with backoff (silently),
 * and the reconnection logged once; the catch-up after it starts from the last delivered id.
 */
class Follower {
  private client: Client | undefined
  private lastId = 0
  private stopped = false
  private draining: Promise<void> | undefined
  private again = false
  private retryTimer: NodeJS.Timeout | undefined
  private pollTimer: NodeJS.Timeout | undefined
  private retryDelay = RECONNECT_FIRST_MS
  private lostSince: number | undefined

  constructor(
    private readonly options: PostgresActivityOptions,
    private readonly listener: (event: ActivityEvent) => void,
    private readonly readAfter: ReadAfter,
    private readonly readNewest: ReadNewest,
  ) {}

  /** Connect, LISTEN, and start after the newest event stored now; rejects if that fails. */
  async start(): Promise<void> {
    const client = await this.connect()
    try {
      // Read after LISTEN is in place: whatever commits later is notified, whatever committed
      // earlier is at or below this id.
      this.lastId = await this.readNewest(client)
    } catch (error) {
      this.client = undefined
      await client.end().catch(() => {})
      throw error
    }
    this.pollTimer = setInterval(() => this.drain(), POLL_MS)
    this.pollTimer.unref()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.retryTimer)
    clearInterval(this.pollTimer)
    const client = this.client
    this.client = undefined
    await this.draining?.catch(() => {})
    await client?.end().catch(() => {})
  }

  private async connect(): Promise<Client> {
    const client = new Client({
      connectionString: this.options.url,
      application_name: 'cowrite-activity-follow',
      keepAlive: true,
      connectionTimeoutMillis: QUERY_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
    })
    const lost = (error?: Error) => this.lost(client, error)
    client.on('error', lost)
    client.on('end', () => lost())
    client.on('notification', (message) => this.notified(message))
    try {
      await client.connect()
      await client.query(`LISTEN ${ACTIVITY_CHANNEL}`)
    } catch (error) {
      client.removeAllListeners('end')
      client.removeAllListeners('notification')
      await client.end().catch(() => {})
      throw error
    }
    this.client = client
    return client
  }

  private notified(message: Notification): void {
    if (message.channel !== ACTIVITY_CHANNEL) return
    // Already delivered by an earlier read (notifications of one catch-up batch trail behind it).
    if (Number(message.payload) <= this.lastId) return
    this.drain()
  }

  /** Read and deliver everything above the last delivered id; one loop at a time. */
  private drain(): void {
    if (this.draining) {
      this.again = true
      return
    }
    this.draining = (async () => {
      do {
        this.again = false
        const client = this.client
        if (!client || this.stopped) return
        let events: ActivityEvent[]
        try {
          events = await this.readAfter(this.lastId, undefined, CATCH_UP_BATCH, client)
        } catch (error) {
          // A read that fails on a live connection means the connection is in doubt: start over
          // on a new one, which catches up from the same id.
          this.lost(client, error as Error)
          return
        }
        for (const event of events) {
          if (this.stopped) return
          if (event.id <= this.lastId) continue
          this.lastId = event.id
          try {
            this.listener(event)
          } catch (error) {
            this.options.log?.error({ err: error, id: event.id }, 'activity follower threw; following continues')
          }
        }
        if (events.length === CATCH_UP_BATCH) this.again = true
      } while (this.again && !this.stopped)
    })().finally(() => {
      this.draining = undefined
      // Asked again while a loop was ending early (its connection was lost, a new one is up).
      if (this.again && this.client && !this.stopped) this.drain()
    })
  }

  private lost(client: Client, error?: Error): void {
    if (client !== this.client || this.stopped) return
    this.client = undefined
    client.removeAllListeners('notification')
    client.removeAllListeners('end')
    client.on('error', () => {}) // a dying client may still report; it is no longer ours
    void client.end().catch(() => {})
    if (this.lostSince === undefined) {
      this.lostSince = Date.now()
      this.options.log?.warn({ err: error, lastId: this.lastId }, 'activity follow: connection lost; reconnecting')
    }
    this.scheduleReconnect()
  }

  private scheduleReconnect(): void {
    if (this.stopped) return
    const delay = this.retryDelay * (0.75 + Math.random() / 2)
    this.retryDelay = Math.min(this.retryDelay * 2, RECONNECT_MAX_MS)
    this.retryTimer = setTimeout(() => void this.reconnect(), delay)
    this.retryTimer.unref()
  }

  private async reconnect(): Promise<void> {
    if (this.stopped) return
    try {
      await this.connect()
    } catch {
      this.scheduleReconnect()
      return
    }
    if (this.stopped) {
      await this.client?.end().catch(() => {})
      return
    }
    const downMs = this.lostSince === undefined ? 0 : Date.now() - this.lostSince
    this.lostSince = undefined
    this.retryDelay = RECONNECT_FIRST_MS
    this.options.log?.info({ lastId: this.lastId, downMs }, 'activity follow: reconnected; catching up')
    this.drain()
  }
}
