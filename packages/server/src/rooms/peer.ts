/**
 * What a room needs of a client: a way to send, to close with a code, to hear its messages and
 * its end, and what its token allows. `Connection` (sync/connection.ts) is the WebSocket one;
 * tests run rooms over simulated peers, so nothing here knows about sockets.
 */
import type { Grant } from '../auth/authorize.js'
import type { IncomingMessage } from '../sync/messages.js'
import type { SharedFrame } from '../sync/shared-frame.js'

export interface Peer {
  /** What the peer's token allows, and who it names. */
  readonly grant: Pick<Grant, 'role' | 'user'>
  /** False once closed, for whatever reason. */
  readonly isOpen: boolean
  /** Queue one message, or a frame shared by many recipients. */
  send(message: Uint8Array | SharedFrame): void
  /** Close with a documented code; the reason and details are logged. */
  close(code: number, reason: string, details?: Record<string, unknown>): void
  /** Feed each well-formed message to `handler`. */
  onMessage(handler: (message: IncomingMessage) => void): void
  /** Run `listener` once when the peer closes (at once if it has). */
  onClose(listener: () => void): void
}
