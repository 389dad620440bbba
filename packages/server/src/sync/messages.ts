/**
 * The y-websocket wire format, both directions. Every frame holds one message:
 *
 *   sync             varUint(0) varUint(step) varUint8Array(payload)
 *                      step 0: state vector (sync step 1)
 *                      step 1: update answering a state vector (sync step 2)
 *                      step 2: update (a live change)
 *   awareness        varUint(1) varUint8Array(awareness update)
 *   query awareness  varUint(3)
 *
 * Decoding is strict and total: a frame is either one well-formed message whose payload has been
 * fully decoded (so applying it cannot fail half-way) or a `ProtocolError`. Trailing bytes are an
 * error too, because the stock client never sends them.
 */
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'

export const MESSAGE_SYNC = 0
export const MESSAGE_AWARENESS = 1
export const MESSAGE_QUERY_AWARENESS = 3

const SYNC_STEP1 = 0
const SYNC_STEP2 = 1
const SYNC_UPDATE = 2

/** One awareness entry as it travels: a client's state (null when removed) at a clock. */
export interface AwarenessEntry {
  clientID: number
  clock: number
  state: unknown
  /** Length of the state's JSON as it arrived. */
  size: number
}

export type IncomingMessage =
  | { type: 'sync-step1'; stateVector: Uint8Array }
  | { type: 'sync-step2'; update: Uint8Array }
  | { type: 'sync-update'; update: Uint8Array }
  | { type: 'awareness'; update: Uint8Array; entries: AwarenessEntry[] }
  | { type: 'query-awareness' }

/** A frame that is not a well-formed y-websocket message. */
export class ProtocolError extends Error {
  override name = 'ProtocolError'
}

/** Decode one frame, validating its payload completely; throws `ProtocolError` on anything else. */
export function decodeMessage(frame: Uint8Array): IncomingMessage {
  try {
    const decoder = decoding.createDecoder(frame)
    const message = readMessage(decoder)
    if (decoding.hasContent(decoder)) throw new ProtocolError(`${frame.length - decoder.pos} trailing bytes`)
    return message
  } catch (error) {
    if (error instanceof ProtocolError) throw error
    throw new ProtocolError(`malformed frame: ${(error as Error).message}`)
  }
}

function readMessage(decoder: decoding.Decoder): IncomingMessage {
  const type = decoding.readVarUint(decoder)
  switch (type) {
    case MESSAGE_SYNC: {
      const step = decoding.readVarUint(decoder)
      const payload = decoding.readVarUint8Array(decoder)
      switch (step) {
        case SYNC_STEP1:
          Y.decodeStateVector(payload)
          return { type: 'sync-step1', stateVector: payload }
        case SYNC_STEP2:
          Y.decodeUpdate(payload)
          return { type: 'sync-step2', update: payload }
        case SYNC_UPDATE:
          Y.decodeUpdate(payload)
          return { type: 'sync-update', update: payload }
        default:
          throw new ProtocolError(`unknown sync step ${step}`)
      }
    }
    case MESSAGE_AWARENESS: {
      const update = decoding.readVarUint8Array(decoder)
      return { type: 'awareness', update, entries: decodeAwarenessUpdate(update) }
    }
    case MESSAGE_QUERY_AWARENESS:
      return { type: 'query-awareness' }
    default:
      throw new ProtocolError(`unknown message type ${type}`)
  }
}

/** The entries of an awareness update, mirroring y-protocols' `encodeAwarenessUpdate`. */
export function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update)
  const count = decoding.readVarUint(decoder)
  const entries: AwarenessEntry[] = []
  for (let i = 0; i < count; i++) {
    const clientID = decoding.readVarUint(decoder)
    const clock = decoding.readVarUint(decoder)
    const json = decoding.readVarString(decoder)
    const state: unknown = JSON.parse(json)
    if (depthOf(state) > MAX_STATE_DEPTH) throw new ProtocolError(`awareness state nested deeper than ${MAX_STATE_DEPTH}`)
    entries.push({ clientID, clock, state, size: json.length })
  }
  if (decoding.hasContent(decoder)) throw new ProtocolError('trailing bytes in awareness update')
  return entries
}

/**
 * Deepest nesting of an awareness state accepted. Cursor states are a few levels deep; a deeply
 * nested one parses but makes `JSON.stringify` (every relay re-encodes states) overflow the stack.
 */
const MAX_STATE_DEPTH = 20

/** Nesting depth of a parsed JSON value (0 for a scalar), walked without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!
    if (typeof current !== 'object' || current === null) continue
    if (depth + 1 > deepest) deepest = depth + 1
    if (deepest > MAX_STATE_DEPTH) return deepest
    for (const child of Object.values(current)) stack.push([child, depth + 1])
  }
  return deepest
}

function encodeSync(step: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_SYNC)
  encoding.writeVarUint(encoder, step)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

/** Sync step 1: our state vector, asking the peer for what we lack. */
export function encodeSyncStep1(stateVector: Uint8Array): Uint8Array {
  return encodeSync(SYNC_STEP1, stateVector)
}

/** Sync step 2: the update answering a peer's state vector. */
export function encodeSyncStep2(update: Uint8Array): Uint8Array {
  return encodeSync(SYNC_STEP2, update)
}

/** A live document update. */
export function encodeSyncUpdate(update: Uint8Array): Uint8Array {
  return encodeSync(SYNC_UPDATE, update)
}

/** An awareness message wrapping an encoded awareness update. */
export function encodeAwarenessMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

/** A query for every awareness state (the answer is an awareness message). */
export function encodeQueryAwareness(): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, MESSAGE_QUERY_AWARENESS)
  return encoding.toUint8Array(encoder)
}
