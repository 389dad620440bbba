/**
 * The PostgreSQL store's history (storage/history.ts), the same tables as SQLite's in the schema
 * `cowrite` (postgres-schema.ts). Changes are inserted by the store's append, in its statement;
 * this module reads them, records versions and writes checkpoints.
 *
 * Two things differ from SQLite, where writers are serialized:
 * - An identity value is drawn at insert, not at commit, so a change with a lower id may become
 *   visible after one with a higher id. Reads are unaffected (each reads what is committed), but a
 *   checkpoint is a lasting summary of "every change up to id N": it only covers changes stored
 *   more than SETTLE_MS ago, by which time every transaction that drew a lower id has committed or
 *   failed (appends time out after 30 s).
 * - Several instances may record an automatic version of one room at once: a unique index on
 *   (room, upto) for automatic versions keeps one.
 */
import type { Pool } from 'pg'
import type { Logger } from '../log.js'
import { createCompactionRuns } from './compaction-runs.js'
import type { Compactor } from './compactor.js'
import { distinctAuthors, type HistoryStore, type StoredVersion } from './history.js'
import { inTransaction } from './postgres-schema.js'

/** How old a change must be before a checkpoint may cover it (see above). */
export const SETTLE_MS = 60_000

export interface PostgresHistory extends HistoryStore {
  /** After an append committed: checkpoint these rooms (in the background). */
  schedule(rooms: readonly string[]): void
  close(): Promise<void>
  /** Resolves once no checkpoint of `room` is being written here. */
  settledFor(room: string): Promise<void>
}

interface VersionRow {
  id: string
  upto: string
  at: string
  name: string | null
  authors: StoredVersion['authors']
  length: number
}

const toVersion = (row: VersionRow): StoredVersion => ({
  id: Number(row.id),
  upto: Number(row.upto),
  at: Number(row.at),
  name: row.name,
  authors: row.authors,
  length: row.length,
})

const VERSION_FIELDS = 'id, upto, at, name, authors, length'

export function createPostgresHistory(pool: Pool, compactor: Compactor, log?: Logger, settleMs = SETTLE_MS): PostgresHistory {
  /** The checkpoint at or before `upto` and the changes after it, as one statement sees them. */
  const readState = async (room: string, upto: number): Promise<{ updates: Uint8Array[]; lastId: number; from: number }> => {
    const { rows } = await pool.query<{ id: string; data: Buffer; checkpoint: boolean }>(
      `WITH checkpoint AS (
         SELECT upto, data FROM cowrite.checkpoints WHERE room = $1 AND upto <= $2 ORDER BY upto DESC LIMIT 1
       )
       SELECT upto AS id, data, true AS checkpoint FROM checkpoint
       UNION ALL
       (SELECT id, data, false FROM cowrite.changes
        WHERE room = $1 AND id > coalesce((SELECT upto FROM checkpoint), 0) AND id <= $2 ORDER BY id)`,
      [room, upto],
    )
    const from = rows[0]?.checkpoint ? Number(rows[0].id) : 0
    return { updates: rows.map((row) => row.data), lastId: rows.length > 0 ? Number(rows[rows.length - 1]!.id) : from, from }
  }

  const checkpoints = createCompactionRuns(async (room) => {
    const settled = await pool.query<{ id: string | null }>('SELECT max(id) AS id FROM cowrite.changes WHERE room = $1 AND at < $2', [
      room,
      Date.now() - settleMs,
    ])
    const upto = Number(settled.rows[0]?.id ?? 0)
    if (upto === 0) return
    const { updates, lastId, from } = await readState(room, upto)
    if (lastId === from) return
    const state = await compactor.compact(updates)
    if (checkpoints.closing) return
    await inTransaction(pool, async (client) => {
      await client.query('INSERT INTO cowrite.checkpoints (room, upto, data) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [room, lastId, state])
      await client.query(
        `UPDATE cowrite.rooms SET checkpoint_bytes = $2,
           history_bytes = (SELECT coalesce(sum(octet_length(data)), 0) FROM cowrite.changes WHERE room = $1 AND id > $3)
         WHERE name = $1`,
        [room, state.byteLength, lastId],
      )
    })
  }, log)

  return {
    schedule: (rooms) => checkpoints.schedule(rooms),
    close: () => checkpoints.close(),
    settledFor: (room) => checkpoints.settledFor(room),
    async stateAt(room, upto) {
      return upto <= 0 ? [] : (await readState(room, upto)).updates
    },
    async changesBetween(room, after, upto) {
      const { rows } = await pool.query<{ name: string | null; color: string | null; data: Buffer }>(
        'SELECT author_name AS name, author_color AS color, data FROM cowrite.changes WHERE room = $1 AND id > $2 AND id <= $3 ORDER BY id',
        [room, after, upto],
      )
      return rows.map(({ name, color, data }) => ({ update: data, author: name === null ? null : { name, color } }))
    },
    async changeAt(room, at) {
      const { rows } = await pool.query<{ id: string }>(
        'SELECT id FROM cowrite.changes WHERE room = $1 AND at <= $2 ORDER BY at DESC, id DESC LIMIT 1',
        [room, at],
      )
      return Number(rows[0]?.id ?? 0)
    },
    recordVersion(room, name) {
      return inTransaction(
        pool,
        async (client) => {
          const latest = await client.query<{ id: string | null }>('SELECT max(id) AS id FROM cowrite.changes WHERE room = $1', [room])
          const upto = Number(latest.rows[0]?.id ?? 0)
          const previous = (
            await client.query<VersionRow>(`SELECT ${VERSION_FIELDS} FROM cowrite.versions WHERE room = $1 ORDER BY id DESC LIMIT 1`, [room])
          ).rows[0]
          const after = previous ? Number(previous.upto) : 0
          if (name === null && (upto === 0 || after === upto)) return undefined
          const authored = await client.query<{ name: string | null; color: string | null }>(
            'SELECT author_name AS name, author_color AS color FROM cowrite.changes WHERE room = $1 AND id > $2 AND id <= $3 ORDER BY id',
            [room, after, upto],
          )
          const authors = distinctAuthors(authored.rows)
          const length = (await client.query<{ length: number }>('SELECT length FROM cowrite.rooms WHERE name = $1', [room])).rows[0]?.length ?? 0
          const inserted = await client.query<VersionRow>(
            `INSERT INTO cowrite.versions (room, upto, at, name, authors, length) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT DO NOTHING RETURNING ${VERSION_FIELDS}`,
            [room, upto, Date.now(), name, JSON.stringify(authors), length],
          )
          return inserted.rows[0] && toVersion(inserted.rows[0])
        },
        'ISOLATION LEVEL REPEATABLE READ',
      )
    },
    async versions(room) {
      const { rows } = await pool.query<VersionRow>(`SELECT ${VERSION_FIELDS} FROM cowrite.versions WHERE room = $1 ORDER BY id DESC`, [room])
      return rows.map(toVersion)
    },
    async version(room, id) {
      const { rows } = await pool.query<VersionRow>(`SELECT ${VERSION_FIELDS} FROM cowrite.versions WHERE room = $1 AND id = $2`, [room, id])
      return rows[0] && toVersion(rows[0])
    },
    checkpoint: (room) => checkpoints.compact(room),
  }
}
