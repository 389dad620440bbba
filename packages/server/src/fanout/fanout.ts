/**
 * The seam between a room and everyone it relays to. A room publishes each outgoing message
 * (a y-websocket sync update or awareness message, already stored) to its room's channel and
 * subscribes a handler that writes what arrives to its own sockets. The local implementation
 * (local.ts) calls the room's handlers in-process; one spanning instances also hands the message
 * to the other instances, whose rooms get it with `remote: true` and apply it to their doc and
 * awareness rather than only relaying it.
 */

/** A message on a room's channel. */
export interface FanoutMessage {
  /** One y-websocket message (sync update or awareness), encoded once for every recipient. */
  payload: Uint8Array
  /** The local sender, who must not get its own update back; null when the server is the sender. */
  except: unknown
  /** It comes from another instance: apply it (it is stored there already), then relay it here. */
  remote: boolean
}

export type FanoutHandler = (message: FanoutMessage) => void

export interface Fanout {
  /** Hand `message` to every subscriber of `room` (here and, for a shared fan-out, elsewhere). */
  publish(room: string, message: FanoutMessage): void
  subscribe(room: string, handler: FanoutHandler): void
  unsubscribe(room: string, handler: FanoutHandler): void
}
