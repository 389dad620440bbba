/**
 * The seam between a room and everyone it relays to. A room publishes each outgoing message
 * (a y-websocket sync update or awareness message, already stored) to its room's channel; the
 * registry subscribes the room's handler, which writes what arrives to the room's own peers. The
 * local implementation (local.ts) calls the handlers in-process; a shared one (redis.ts) also
 * hands each message to the other instances, whose rooms get it as `remote` and apply it to their
 * doc and awareness (it is stored already) before relaying it to their peers.
 */

/** A message on a room's channel. */
export interface FanoutMessage {
  kind: 'message'
  /** One y-websocket message (sync update or awareness), encoded once for every recipient. */
  payload: Uint8Array
  /** The local sender, who must not get its own update back; null when the server is the sender. */
  except: unknown
  /** It comes from another instance (named `source`): apply it, then relay it here. */
  remote: boolean
  source?: string
}

/** Another instance stopped (its heartbeat expired): forget the awareness states it relayed. */
export interface InstanceGone {
  kind: 'instance-gone'
  instance: string
}

/** The shared channel was down and is back: catch up from the store and republish what is held. */
export interface Resync {
  kind: 'resync'
}

export type FanoutEvent = FanoutMessage | InstanceGone | Resync

export type FanoutHandler = (event: FanoutEvent) => void

export interface Fanout {
  /**
   * Hand `message` to every subscriber of `room`, here and (for a shared fan-out) elsewhere; with
   * `remoteOnly`, to the other instances only (what this instance's peers already have).
   */
  publish(room: string, message: { payload: Uint8Array; except: unknown; remoteOnly?: boolean }): void
  /** Resolves once messages published anywhere for `room` reach `handler`. */
  subscribe(room: string, handler: FanoutHandler): Promise<void>
  unsubscribe(room: string, handler: FanoutHandler): void
}
