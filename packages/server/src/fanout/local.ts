/**
 * Fan-out within one process: a room's messages go to the handlers subscribed to that room here,
 * synchronously, in the order published.
 */
import type { Fanout, FanoutHandler } from './fanout.js'

export function createLocalFanout(): Fanout {
  const channels = new Map<string, Set<FanoutHandler>>()
  return {
    publish(room, message) {
      for (const handler of channels.get(room) ?? []) handler(message)
    },
    subscribe(room, handler) {
      let handlers = channels.get(room)
      if (!handlers) channels.set(room, (handlers = new Set()))
      handlers.add(handler)
    },
    unsubscribe(room, handler) {
      const handlers = channels.get(room)
      if (!handlers?.delete(handler)) return
      if (handlers.size === 0) channels.delete(room)
    },
  }
}
