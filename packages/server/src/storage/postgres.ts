/**
 * The shared store: the same data as the SQLite store, in PostgreSQL (`pg`, one pool), for several
 * instances serving the same rooms. Per room an append log of updates plus one compacted
 * snapshot, folded once the log passes a count or a size; beside them the history
 * (postgres-history.ts) and the activity log (postgres-activity.ts); the schema and its
 * migration in postgres-schema.ts. When appends happen
 * is the commit queue's business (rooms/commit-queue.ts); this module makes each batch one
 * transaction that resolves only once committed.
 *
 * A store that is down makes `append` reject (the commit queue then holds and retries); the pool
 * opens new connections once PostgreSQL is back, so the store recovers by itself.
 */
import { Pool, type PoolClient } from 'pg'
import { DEFAULT_ACTIVITY_RETENTION } from '@cowrite/protocol'
import type { Logger } from '../log.js'
import { createCompactionRuns } from './compaction-runs.js'
import { createCompactor, type Compactor } from './compactor.js'
import { monotonicClock, needsCheckpoint } from './history.js'
import { createPostgresActivityLog, type PostgresActivityLog } from './postgres-activity.js'
import { createPostgresHistory } from './postgres-history.js'
import { createPostgresWebhookCursors } from './postgres-webhooks.js'
import { inTransaction, migrate, redactUrlPassword } from './postgres-schema.js'
import type { CompactingStorage, RoomAppend, StoredRoom } from './storage.js'

export { SCHEMA_VERSION } from './postgres-schema.js'

export interface PostgresStorageOptions {
  /** `postgres://USER[:PASS]@HOST:PORT/DB` (also `postgresql://`). */
  url: string
  /** Where connection losses and compaction failures are reported (they never fail an append by themselves). */
  log?: Logger
  /** Activity events kept (oldest dropped). Default 100,000. */
  activityRetention?: number
  /** Log entries past which a room is compacted. Default 1000 (as SQLite). */
  compactAfterCount?: number
  /** Log bytes past which a room is compacted. Default 1 MiB (as SQLite). */
  compactAfterBytes?: number
  /** Connections in the pool. Default 10. */
  poolSize?: number
  /** How old a change must be before a history checkpoint covers it. Default 60 s (postgres-history.ts). */
  historySettleMs?: number
  /** Merges snapshots instead of a worker of the store's own (tests gate it); its owner closes it. */
  compactor?: Compactor
}

/** The PostgreSQL store, with its pool exposed for operations and tests. */
export interface PostgresStorage extends CompactingStorage {
  readonly shared: true
  readonly activity: PostgresActivityLog
  readonly pool: Pool
}

interface RoomRow {
  name: string
  length: number
  title: string | null
  updated_at: string
}

interface ReadForCompaction {
  generation: string
  logCount: number
  logBytes: number
  updates: Uint8Array[]
  ids: string[]
}

/**
 * Connect, create or migrate the schema (safely when several instances start at once), and
 * resolve with the store. Rejects if PostgreSQL cannot be reached or holds a schema this code
 * must not use (SchemaError).
 */
export async function createPostgresStorage(options: PostgresStorageOptions): Promise<PostgresStorage> {
  const compactAfterCount = options.compactAfterCount ?? 1000
  const compactAfterBytes = options.compactAfterBytes ?? 1024 * 1024
  const log = options.log
  const pool = new Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    application_name: 'cowrite',
    // A server that stops answering (a network partition sends no FIN) must fail an append, so
    // the commit queue reports and retries it, rather than hang it until TCP gives up. A query
    // that timed out takes its connection with it (the pool destroys a client released with an error).
    connectionTimeoutMillis: 10_000,
    query_timeout: 30_000,
    keepAlive: true,
  })
  // An idle pooled connection whose server goes away emits 'error' on the pool; unhandled, that
  // would end the process. The pool drops that connection and opens a new one on next use.
  pool.on('error', (error) => log?.warn({ err: error }, 'postgres: idle pooled connection lost; the pool reconnects on next use'))
  try {
    await migrate(pool, redactUrlPassword(options.url), log)
  } catch (error) {
    await pool.end().catch(() => {})
    throw error
  }

  const toStored = (row: RoomRow): StoredRoom => ({ name: row.name, length: row.length, title: row.title, updatedAt: Number(row.updated_at) })

  /**
   * Compaction in three steps, as in sqlite.ts: read the room's generation, snapshot and log in one
   * REPEATABLE READ transaction; merge on the compactor's thread while appends go on; then write
   * the new snapshot and delete exactly the rows that were read.
   *
   * Two things differ from SQLite, where writers are serialized:
   * - Rows read are deleted by id, never as `id <= last read id`: an identity value is drawn at
   *   insert, not at commit, so a lower id may commit after the read (it stays in the log).
   * - Another instance (or an explicit compact() here) may compact the same room meanwhile. A lock
   *   taken only for the write (`SELECT ... FOR UPDATE` on the room row, or an advisory lock per
   *   room) would serialize the two writes but still let the slower one, merged from an older
   *   read, replace a newer snapshot and lose what only the newer one holds. A lock held from read
   *   to write would pin a connection through the merge, and vanish with that connection. So the
   *   write is conditional instead: `UPDATE rooms ... WHERE snapshot_gen = <read>` takes the room
   *   row's lock and checks, under it, that no snapshot was written since the read (an UPDATE that
   *   waited for another transaction's lock re-checks its WHERE against the row that one
   *   committed). Matching no row, the compaction writes nothing: its rows were folded by the
   *   other one, or are still in the log. The row lock, held to commit, also makes appends of the
   *   room wait for the recount.
   */
  const readForCompaction = (room: string): Promise<ReadForCompaction | undefined> =>
    inTransaction(
      pool,
      async (client) => {
        const counts = await client.query<{ snapshot_gen: string; log_count: number; log_bytes: string }>(
          'SELECT snapshot_gen, log_count, log_bytes FROM cowrite.rooms WHERE name = $1',
          [room],
        )
        const row = counts.rows[0]
        if (!row) return undefined
        const updates: Uint8Array[] = []
        const snapshot = await client.query<{ data: Buffer }>('SELECT data FROM cowrite.snapshots WHERE room = $1', [room])
        if (snapshot.rows[0]) updates.push(snapshot.rows[0].data)
        const ids: string[] = []
        const logRows = await client.query<{ id: string; data: Buffer }>('SELECT id, data FROM cowrite.updates WHERE room = $1 ORDER BY id', [room])
        for (const { id, data } of logRows.rows) {
          ids.push(id)
          updates.push(data)
        }
        return { generation: row.snapshot_gen, logCount: row.log_count, logBytes: Number(row.log_bytes), updates, ids }
      },
      'ISOLATION LEVEL REPEATABLE READ READ ONLY',
    )

  const replaceWithSnapshot = (room: string, read: ReadForCompaction, snapshot: Uint8Array): Promise<boolean> =>
    inTransaction(pool, async (client: PoolClient) => {
      const claimed = await client.query('UPDATE cowrite.rooms SET snapshot_gen = snapshot_gen + 1 WHERE name = $1 AND snapshot_gen = $2', [
        room,
        read.generation,
      ])
      if (claimed.rowCount === 0) return false
      await client.query(
        'INSERT INTO cowrite.snapshots (room, data) VALUES ($1, $2) ON CONFLICT (room) DO UPDATE SET data = excluded.data',
        [room, snapshot],
      )
      await client.query('DELETE FROM cowrite.updates WHERE room = $1 AND id = ANY($2::bigint[])', [room, read.ids])
      await client.query(
        `UPDATE cowrite.rooms SET
           log_count = (SELECT count(*) FROM cowrite.updates WHERE room = $1),
           log_bytes = (SELECT coalesce(sum(octet_length(data)), 0) FROM cowrite.updates WHERE room = $1)
         WHERE name = $1`,
        [room],
      )
      return true
    })

  const compactor = options.compactor ?? createCompactor()
  const history = createPostgresHistory(pool, compactor, log, options.historySettleMs)
  const clock = monotonicClock()
  let closing: Promise<void> | undefined
  const compactions = createCompactionRuns(async (room, scheduled) => {
    const read = await readForCompaction(room)
    if (!read || read.ids.length === 0) return
    // Another instance may have compacted since this one's append saw the log over a threshold.
    if (scheduled && read.logCount <= compactAfterCount && read.logBytes <= compactAfterBytes) return
    const snapshot = await compactor.compact(read.updates)
    if (compactions.closing) return
    const written = await replaceWithSnapshot(room, read, snapshot)
    if (!written) log?.debug({ room }, 'storage compaction superseded by a concurrent one')
  }, log)

  type Counted = { name: string; log_count: number; log_bytes: string; history_bytes: string; checkpoint_bytes: string }

  /**
   * One statement, so one round trip and its own transaction, whatever the batch's size: the
   * changes travel as arrays, are inserted in their order (log rows and history rows alike, so
   * both keep it), and the rooms' counts are upserted with what they added.
   */
  const APPEND = `
    WITH input AS (
      SELECT * FROM unnest($7::text[], $8::text[], $9::text[], $10::bytea[]) WITH ORDINALITY AS t(room, author_name, author_color, data, ord)
    ), logged AS (
      INSERT INTO cowrite.updates (room, data) SELECT room, data FROM input ORDER BY ord
    ), kept AS (
      INSERT INTO cowrite.changes (room, at, author_name, author_color, data)
      SELECT room, $6, author_name, author_color, data FROM input ORDER BY ord
    )
    INSERT INTO cowrite.rooms (name, length, title, updated_at, log_count, log_bytes, history_bytes)
    SELECT name, length, title, $6, count, bytes, bytes
    FROM unnest($1::text[], $2::integer[], $3::text[], $4::integer[], $5::bigint[]) AS s(name, length, title, count, bytes)
    ON CONFLICT (name) DO UPDATE SET length = excluded.length, title = excluded.title, updated_at = excluded.updated_at,
      log_count = rooms.log_count + excluded.log_count, log_bytes = rooms.log_bytes + excluded.log_bytes,
      history_bytes = rooms.history_bytes + excluded.history_bytes
    RETURNING name, log_count, log_bytes, history_bytes, checkpoint_bytes`

  const append = async (batch: readonly RoomAppend[]): Promise<{ toCompact: string[]; toCheckpoint: string[] }> => {
    // One summary row per room: a room listed twice is summed (ON CONFLICT may touch a row once per statement).
    const rooms = new Map<string, { length: number; title: string | null; count: number; bytes: number }>()
    const changeRooms: string[] = []
    const authorNames: Array<string | null> = []
    const authorColors: Array<string | null> = []
    const data: Uint8Array[] = []
    for (const { room, changes, length, title } of batch) {
      const summary = rooms.get(room) ?? { length, title, count: 0, bytes: 0 }
      summary.length = length
      summary.title = title
      for (const { update, author } of changes) {
        changeRooms.push(room)
        authorNames.push(author?.name ?? null)
        authorColors.push(author?.color ?? null)
        data.push(update)
        summary.count++
        summary.bytes += update.byteLength
      }
      rooms.set(room, summary)
    }
    if (rooms.size === 0) return { toCompact: [], toCheckpoint: [] }
    // Room rows are locked in name order, so two instances' batches over the same rooms never deadlock.
    const names = [...rooms.keys()].sort()
    const summaries = names.map((name) => rooms.get(name)!)
    const { rows } = await pool.query<Counted>(APPEND, [
      names,
      summaries.map((summary) => summary.length),
      summaries.map((summary) => summary.title),
      summaries.map((summary) => summary.count),
      summaries.map((summary) => summary.bytes),
      clock(),
      changeRooms,
      authorNames,
      authorColors,
      data,
    ])
    return {
      toCompact: rows.filter((row) => row.log_count > compactAfterCount || Number(row.log_bytes) > compactAfterBytes).map((row) => row.name),
      toCheckpoint: rows.filter((row) => needsCheckpoint(Number(row.history_bytes), Number(row.checkpoint_bytes))).map((row) => row.name),
    }
  }

  const activity = createPostgresActivityLog({
    pool,
    url: options.url,
    retention: options.activityRetention ?? DEFAULT_ACTIVITY_RETENTION,
    log,
  })

  return {
    shared: true,
    activity,
    history,
    webhooks: createPostgresWebhookCursors(pool),
    pool,
    compactionsSettled: () => compactions.settled(),
    compact: (room) => compactions.compact(room),
    async load(room) {
      // One statement sees one snapshot of the database: never a compaction half done.
      const { rows } = await pool.query<{ data: Buffer }>(
        `SELECT data FROM (
           SELECT 0 AS part, 0::bigint AS id, data FROM cowrite.snapshots WHERE room = $1
           UNION ALL
           SELECT 1, id, data FROM cowrite.updates WHERE room = $1
         ) AS stored ORDER BY part, id`,
        [room],
      )
      return rows.map((row) => row.data)
    },
    async append(batch) {
      const { toCompact, toCheckpoint } = await append(batch)
      compactions.schedule(toCompact)
      history.schedule(toCheckpoint)
    },
    async list() {
      const { rows } = await pool.query<RoomRow>('SELECT name, length, title, updated_at FROM cowrite.rooms ORDER BY name')
      return rows.map(toStored)
    },
    async get(room) {
      const { rows } = await pool.query<RoomRow>('SELECT name, length, title, updated_at FROM cowrite.rooms WHERE name = $1', [room])
      return rows[0] && toStored(rows[0])
    },
    async delete(room) {
      // A compaction or checkpoint of this instance read before the deletion must not write
      // after it. (Another instance's compaction finds no room row to claim and writes nothing.)
      await compactions.settledFor(room)
      await history.settledFor(room)
      return inTransaction(pool, async (client) => {
        // The room row first: its lock makes a concurrent append of the room wait for this commit.
        let removed = (await client.query('DELETE FROM cowrite.rooms WHERE name = $1', [room])).rowCount ?? 0
        for (const table of ['snapshots', 'updates', 'changes', 'checkpoints', 'versions']) {
          removed += (await client.query(`DELETE FROM cowrite.${table} WHERE room = $1`, [room])).rowCount ?? 0
        }
        return removed > 0
      })
    },
    close() {
      closing ??= (async () => {
        await compactions.close()
        await history.close()
        if (!options.compactor) await compactor.close()
        await activity.close()
        await pool.end()
      })()
      return closing
    },
  }
}
