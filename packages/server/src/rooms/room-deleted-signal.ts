/**
 * The message an instance publishes on a room's fan-out channel after deleting the room, so the
 * other instances that have it loaded drop it too (closing its sockets with 4404). It travels only
 * between instances (`remoteOnly`), never to a client, as one varUint outside y-websocket's types:
 *
 *   room deleted   varUint(100)
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

/** Not a y-websocket message type (0 sync, 1 awareness, 2 auth, 3 query awareness). */
const MESSAGE_ROOM_DELETED = 100

/** The signal, mirroring `isRoomDeletedSignal`. */
export function encodeRoomDeletedSignal(): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_ROOM_DELETED)
  return encoding.toUint8Array(encoder)
}

/** Whether a channel payload is the signal (and nothing else). */
export function isRoomDeletedSignal(payload: Uint8Array): boolean {
  if (payload.byteLength !== 1) return false
  const decoder = decoding.createDecoder(payload)
  return decoding.readVarUint(decoder) === MESSAGE_ROOM_DELETED
}
