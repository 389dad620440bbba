/**
 * Fan-out within one process: a room's messages go to the handlers subscribed to that room here,
 * synchronously, in the order published. There are no other instances, so nothing is remote.
 */
import type { Fanout, FanoutHandler } from './fanout.js'

/** Handlers by room, shared by the local and the Redis fan-out (which adds the other instances). */
export class LocalChannels {
  private readonly channels = new Map<string, Set<FanoutHandler>>()

  /** The handlers of `room` (none: an empty list). */
  of(room: string): Iterable<FanoutHandler> {
    return this.channels.get(room) ?? []
  }

  rooms(): IterableIterator<string> {
    return this.channels.keys()
  }

  /** Add `handler`; true if it is the room's first. */
  add(room: string, handler: FanoutHandler): boolean {
    let handlers = this.channels.get(room)
    const first = !handlers
    if (!handlers) this.channels.set(room, (handlers = new Set()))
    handlers.add(handler)
    return first
  }

  /** Remove `handler`; true if the room has none left. */
  remove(room: string, handler: FanoutHandler): boolean {
    const handlers = this.channels.get(room)
    if (!handlers?.delete(handler)) return false
    if (handlers.size > 0) return false
    this.channels.delete(room)
    return true
  }
}

export function createLocalFanout(): Fanout {
  const channels = new LocalChannels()
  return {
    publish(room, { payload, except, remoteOnly }) {
      if (remoteOnly) return
      for (const handler of channels.of(room)) handler({ kind: 'message', payload, except, remote: false })
    },
    async subscribe(room, handler) {
      channels.add(room, handler)
    },
    unsubscribe(room, handler) {
      channels.remove(room, handler)
    },
  }
}
