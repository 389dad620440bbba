/**
 * The SQLite store's activity log, in the same database as the documents. Ids come from
 * AUTOINCREMENT, so retention never frees an id for reuse.
 */
import type Database from 'better-sqlite3'
import type { ActivityEvent, NewActivityEvent } from '@cowrite/protocol'
import type { ActivityLog } from './activity-log.js'

/** Excess events tolerated before retention deletes a chunk of the oldest. */
const PRUNE_SLACK = 256

export function createSqliteActivityLog(db: Database.Database, retention: number): ActivityLog {
  const insert = db.prepare<[string, string], { id: number }>('INSERT INTO activity (room, data) VALUES (?, ?) RETURNING id')
  const selectAfter = db.prepare<[number, number], { id: number; data: string }>('SELECT id, data FROM activity WHERE id > ? ORDER BY id LIMIT ?')
  const selectRoomAfter = db.prepare<[number, string, number], { id: number; data: string }>(
    'SELECT id, data FROM activity WHERE id > ? AND room = ? ORDER BY id LIMIT ?',
  )
  const selectTail = db.prepare<[number], { id: number; data: string }>('SELECT id, data FROM activity ORDER BY id DESC LIMIT ?')
  const selectRoomTail = db.prepare<[string, number], { id: number; data: string }>(
    'SELECT id, data FROM activity WHERE room = ? ORDER BY id DESC LIMIT ?',
  )
  const selectBounds = db.prepare<[], { oldest: number | null; newest: number | null; count: number }>(
    'SELECT min(id) AS oldest, max(id) AS newest, count(*) AS count FROM activity',
  )
  const pruneOldest = db.prepare<[number]>('DELETE FROM activity WHERE id IN (SELECT id FROM activity ORDER BY id LIMIT ?)')

  let count = selectBounds.get()!.count
  const toEvent = (row: { id: number; data: string }): ActivityEvent => ({ ...(JSON.parse(row.data) as ActivityEvent), id: row.id })

  return {
    async append(event: NewActivityEvent) {
      const { id } = insert.get(event.room, JSON.stringify(event))!
      if (++count > retention + PRUNE_SLACK) {
        pruneOldest.run(count - retention)
        count = retention
      }
      return { ...event, id } as ActivityEvent
    },
    async after(id, room, limit) {
      const rows = room === undefined ? selectAfter.all(id, limit) : selectRoomAfter.all(id, room, limit)
      return rows.map(toEvent)
    },
    async tail(limit, room) {
      const rows = room === undefined ? selectTail.all(limit) : selectRoomTail.all(room, limit)
      return rows.reverse().map(toEvent)
    },
    async bounds() {
      const { oldest, newest } = selectBounds.get()!
      return { oldest, newest }
    },
  }
}
