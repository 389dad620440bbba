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

/**
 * ws's private fields this relies on, as in the pinned ws 8 (lib/websocket.js, lib/sender.js):
 * `_socket` is the raw stream, `_sender._state` is 0 (DEFAULT) while no frame is being compressed
 * or queued, and `_sender._queue` holds frames waiting behind one. The test
 * shared-frame-relies-on-ws-internals.test.ts fails loudly if a ws upgrade changes them.
 */
interface WsInternals {
  _socket?: Duplex
  _sender?: { _state?: unknown; _queue?: unknown }
}

/** The sender's state while it is idle (ws's `DEFAULT`). */
const SENDER_IDLE = 0

/** `socket`'s internals if they are as expected, else null (then the public `send` is used). */
function internalsOf(socket: WebSocket): Required<WsInternals> | null {
  const internals = socket as unknown as WsInternals
  const { _socket: raw, _sender: sender } = internals
  return typeof raw?.write === 'function' && typeof sender?._state === 'number' && Array.isArray(sender._queue) ? (internals as Required<WsInternals>) : null
}

/** Whether `socket` has ws's internals as expected. */
export function canWriteSharedFrames(socket: WebSocket): boolean {
  return internalsOf(socket) !== null
}

/**
 * Write a shared frame to an open socket: its bytes when ws's sender is idle, else the message
 * through `ws.send`. `internalsFit` is `canWriteSharedFrames(socket)`, asked once per socket
 * (its internals live as long as it does) rather than on every write to every recipient.
 */
export function writeSharedFrame(socket: WebSocket, shared: SharedFrame, internalsFit: boolean): void {
  const { _socket: raw, _sender: sender } = socket as unknown as Required<WsInternals>
  if (internalsFit && sender._state === SENDER_IDLE && (sender._queue as unknown[]).length === 0) raw.write(shared.frame)
  else socket.send(shared.message, { binary: true })
}
