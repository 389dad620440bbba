/**
 * The memory store's activity log: a bounded array. Ids start at boot time in ms × 1000, so a
 * restarted server never reissues an id a viewer may still hold.
 */
import type { ActivityEvent, NewActivityEvent } from '@cowrite/protocol'
import type { ActivityLog } from './activity-log.js'

export function createMemoryActivityLog(retention: number, now = Date.now()): ActivityLog {
  let events: ActivityEvent[] = []
  let nextId = now * 1000

  /** Index of the first event with an id above `id` (ids are sorted). */
  const firstAfter = (id: number): number => {
    let low = 0
    let high = events.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (events[middle]!.id <= id) low = middle + 1
      else high = middle
    }
    return low
  }

  return {
    async append(event: NewActivityEvent) {
      const stored = { ...event, id: ++nextId } as ActivityEvent
      events.push(stored)
      // Drop in chunks so retention costs O(1) amortised per append.
      if (events.length > retention + Math.max(1, retention >> 4)) events = events.slice(events.length - retention)
      return stored
    },
    async after(id, room, limit) {
      const found: ActivityEvent[] = []
      const oldest = Math.max(0, events.length - retention)
      for (let i = Math.max(oldest, firstAfter(id)); i < events.length && found.length < limit; i++) {
        if (room === undefined || events[i]!.room === room) found.push(events[i]!)
      }
      return found
    },
    async tail(count, room) {
      const found: ActivityEvent[] = []
      const oldest = Math.max(0, events.length - retention)
      for (let i = events.length - 1; i >= oldest && found.length < count; i--) {
        if (room === undefined || events[i]!.room === room) found.push(events[i]!)
      }
      return found.reverse()
    },
    async bounds() {
      const oldest = events[Math.max(0, events.length - retention)]
      return { oldest: oldest?.id ?? null, newest: events.at(-1)?.id ?? null }
    },
  }
}
