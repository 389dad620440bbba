/**
 * A message sent to many sockets, framed once. Server frames are never masked (RFC 6455 §5.1),
 * so the same frame bytes are valid on every connection: one allocation and one `write` per
 * recipient instead of ws framing, corking and writing the message again for each.
 *
 * This writes to ws's underlying socket, which ws does itself only when its sender is idle; when
 * it is not (a frame being compressed or queued), the message goes through `ws.send` as usual.
 */
import type { Duplex } from 'node:stream'
import type { WebSocket } from 'ws'

export interface SharedFrame {
  readonly message: Uint8Array
  /** The whole binary frame: header and payload. */
  readonly frame: Buffer
}

/** Frame `message` as one final, unmasked binary frame. */
export function shareFrame(message: Uint8Array): SharedFrame {
  const length = message.byteLength
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10
  const frame = Buffer.allocUnsafe(headerLength + length)
  frame[0] = 0x82 // FIN, opcode 2 (binary)
  if (length < 126) frame[1] = length
  else if (length < 65536) {
    frame[1] = 126
    frame.writeUInt16BE(length, 2)
  } else {
    frame[1] = 127
    frame.writeBigUInt64BE(BigInt(length), 2)
  }
  frame.set(message, headerLength)
  return { message, frame }
}

/** ws's private fields this relies on (ws is pinned once for the workspace). */
interface WsInternals {
  _socket?: Duplex
  _sender?: { _state: number; _queue: unknown[] }
}

/** Write a shared frame to an open socket. */
export function writeSharedFrame(socket: WebSocket, shared: SharedFrame): void {
  const { _socket: raw, _sender: sender } = socket as unknown as WsInternals
  if (raw && sender && sender._state === 0 && sender._queue.length === 0) raw.write(shared.frame)
  else socket.send(shared.message, { binary: true })
}
