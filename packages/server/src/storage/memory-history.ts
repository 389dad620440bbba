/**
 * The memory store's history (storage/history.ts): the same rules as SQLite's, in arrays.
 * Checkpoints are merged in place, synchronously (memory rooms are small: tests and demos).
 */
import { compactUpdates } from './compact.js'
import { distinctAuthors, monotonicClock, needsCheckpoint, type HistoryStore, type StoredVersion } from './history.js'
import type { Change } from './storage.js'

interface StoredChange extends Change {
  id: number
  at: number
}

interface RoomHistory {
  changes: StoredChange[]
  /** Ascending by `upto`. */
  checkpoints: Array<{ upto: number; data: Uint8Array }>
  versions: StoredVersion[]
  bytesSinceCheckpoint: number
}

export interface MemoryHistory extends HistoryStore {
  /** Store a room's changes (its text then has `length`). */
  insert(room: string, changes: readonly Change[], length: number): void
  /** Forget the room's history; true if it had any. */
  delete(room: string): boolean
}

export function createMemoryHistory(): MemoryHistory {
  const rooms = new Map<string, RoomHistory & { length: number }>()
  const clock = monotonicClock()
  let nextChange = 1
  let nextVersion = 1

  const stateAt = (history: RoomHistory, upto: number): Uint8Array[] => {
    const checkpoint = history.checkpoints.findLast((one) => one.upto <= upto)
    const after = checkpoint?.upto ?? 0
    const changes = history.changes.filter(({ id }) => id > after && id <= upto).map(({ update }) => update)
    return checkpoint ? [checkpoint.data, ...changes] : changes
  }

  const checkpoint = (history: RoomHistory) => {
    const last = history.changes.at(-1)
    if (!last || last.id === (history.checkpoints.at(-1)?.upto ?? 0)) return
    history.checkpoints.push({ upto: last.id, data: compactUpdates(stateAt(history, last.id)) })
    history.bytesSinceCheckpoint = 0
  }

  return {
    insert(room, changes, length) {
      let history = rooms.get(room)
      if (!history) rooms.set(room, (history = { changes: [], checkpoints: [], versions: [], bytesSinceCheckpoint: 0, length }))
      const at = clock()
      for (const change of changes) {
        history.changes.push({ ...change, id: nextChange++, at })
        history.bytesSinceCheckpoint += change.update.byteLength
      }
      history.length = length
      if (needsCheckpoint(history.bytesSinceCheckpoint, history.checkpoints.at(-1)?.data.byteLength ?? 0)) checkpoint(history)
    },
    delete: (room) => rooms.delete(room),
    async stateAt(room, upto) {
      const history = rooms.get(room)
      return history && upto > 0 ? stateAt(history, upto) : []
    },
    async changesBetween(room, after, upto) {
      return (rooms.get(room)?.changes ?? []).filter(({ id }) => id > after && id <= upto).map(({ update, author }) => ({ update, author }))
    },
    async changeAt(room, at) {
      return rooms.get(room)?.changes.findLast((change) => change.at <= at)?.id ?? 0
    },
    async recordVersion(room, name) {
      const history = rooms.get(room)
      const upto = history?.changes.at(-1)?.id ?? 0
      const previous = history?.versions.at(-1)
      if (name === null && (upto === 0 || previous?.upto === upto)) return undefined
      const since = history?.changes.filter(({ id }) => id > (previous?.upto ?? 0)) ?? []
      const authors = distinctAuthors(since.map(({ author }) => ({ name: author?.name ?? null, color: author?.color ?? null })))
      const version: StoredVersion = { id: nextVersion++, upto, at: Date.now(), name, authors, length: history?.length ?? 0 }
      if (history) history.versions.push(version)
      else rooms.set(room, { changes: [], checkpoints: [], versions: [version], bytesSinceCheckpoint: 0, length: 0 })
      return version
    },
    async versions(room) {
      return [...(rooms.get(room)?.versions ?? [])].reverse()
    },
    async version(room, id) {
      return rooms.get(room)?.versions.find((version) => version.id === id)
    },
    async checkpoint(room) {
      const history = rooms.get(room)
      if (history) checkpoint(history)
    },
  }
}
