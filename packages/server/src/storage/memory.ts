/**
 * The in-process store for tests and demos: rooms survive being unloaded, not a restart.
 */
import { DEFAULT_ACTIVITY_RETENTION } from '@cowrite/protocol'
import { compactUpdates } from './compact.js'
import { createMemoryActivityLog } from './memory-activity.js'
import { createMemoryHistory } from './memory-history.js'
import { createMemoryWebhookCursors } from './webhook-cursors.js'
import type { RoomAppend, Storage, StoredRoom } from './storage.js'

/** Log length past which a room's updates are compacted into one. */
const COMPACT_AFTER = 512

interface MemoryRoom {
  updates: Uint8Array[]
  length: number
  title: string | null
  updatedAt: number
}

export function createMemoryStorage(options: { activityRetention?: number } = {}): Storage {
  const rooms = new Map<string, MemoryRoom>()
  const history = createMemoryHistory()
  const summary = (name: string, room: MemoryRoom): StoredRoom => ({ name, length: room.length, title: room.title, updatedAt: room.updatedAt })

  return {
    activity: createMemoryActivityLog(options.activityRetention ?? DEFAULT_ACTIVITY_RETENTION),
    history,
    webhooks: createMemoryWebhookCursors(),
    async load(name) {
      const room = rooms.get(name)
      if (!room) return []
      if (room.updates.length > 1) room.updates = [compactUpdates(room.updates)]
      return [...room.updates]
    },
    async append(batch: readonly RoomAppend[]) {
      const now = Date.now()
      for (const { room: name, changes, length, title } of batch) {
        let room = rooms.get(name)
        if (!room) rooms.set(name, (room = { updates: [], length, title, updatedAt: now }))
        for (const { update } of changes) room.updates.push(update)
        history.insert(name, changes, length)
        room.length = length
        room.title = title
        room.updatedAt = now
        if (room.updates.length > COMPACT_AFTER) room.updates = [compactUpdates(room.updates)]
      }
    },
    async list() {
      return [...rooms].map(([name, room]) => summary(name, room))
    },
    async get(name) {
      const room = rooms.get(name)
      return room && summary(name, room)
    },
    async delete(name) {
      const existed = rooms.delete(name)
      return history.delete(name) || existed
    },
    async close() {
      rooms.clear()
    },
  }
}
