/**
 * y-websocket frames built with y-protocols and lib0 (not with the server's own encoders), so
 * tests check the server against the reference implementation rather than against itself.
 */
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'

export const MESSAGE_SYNC = 0
export const MESSAGE_AWARENESS = 1
export const MESSAGE_QUERY_AWARENESS = 3

function frame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder()
  write(encoder)
  return encoding.toUint8Array(encoder)
}

export function syncStep1Frame(doc: Y.Doc): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC)
    syncProtocol.writeSyncStep1(e, doc)
  })
}

export function syncStep2Frame(update: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC)
    encoding.writeVarUint(e, syncProtocol.messageYjsSyncStep2)
    encoding.writeVarUint8Array(e, update)
  })
}

export function updateFrame(update: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC)
    syncProtocol.writeUpdate(e, update)
  })
}

/** An awareness frame with hand-made entries (any clock, any state, any JSON text). */
export function awarenessFrame(entries: ReadonlyArray<{ clientID: number; clock: number; json: string }>): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MESSAGE_AWARENESS)
    const inner = encoding.createEncoder()
    encoding.writeVarUint(inner, entries.length)
    for (const { clientID, clock, json } of entries) {
      encoding.writeVarUint(inner, clientID)
      encoding.writeVarUint(inner, clock)
      encoding.writeVarString(inner, json)
    }
    encoding.writeVarUint8Array(e, encoding.toUint8Array(inner))
  })
}

export function queryAwarenessFrame(): Uint8Array {
  return frame((e) => encoding.writeVarUint(e, MESSAGE_QUERY_AWARENESS))
}

/** Wrap an arbitrary payload as `type step payload` (for unknown steps and random updates). */
export function syncFrame(step: number, payload: Uint8Array): Uint8Array {
  return frame((e) => {
    encoding.writeVarUint(e, MESSAGE_SYNC)
    encoding.writeVarUint(e, step)
    encoding.writeVarUint8Array(e, payload)
  })
}
