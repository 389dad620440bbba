/**
 * Turning one event-loop turn of a room's updates into as few as possible, before they are
 * stored (fewer rows) and relayed (fewer messages, each encoded once for every recipient).
 */
import * as Y from 'yjs'

/** An update applied to a room's doc, with the connection it came from (null: the server). */
export interface PendingUpdate<Origin = unknown> {
  update: Uint8Array
  origin: Origin
}

/**
 * Bounds of one merged message. `Y.mergeUpdates` is quadratic on a long flat list (see
 * perf-notes.md), so a flood is merged in short chunks rather than at once.
 */
const MAX_MERGED_UPDATES = 64
const MAX_MERGED_BYTES = 256 * 1024

/**
 * Group updates by origin (nobody is sent their own edits back) and merge each group in bounded
 * chunks. Order across origins does not matter to Yjs; order within one origin is kept.
 */
export function mergeByOrigin<Origin>(updates: readonly PendingUpdate<Origin>[]): PendingUpdate<Origin>[] {
  const byOrigin = new Map<Origin, Uint8Array[]>()
  for (const { update, origin } of updates) {
    const group = byOrigin.get(origin)
    if (group) group.push(update)
    else byOrigin.set(origin, [update])
  }
  const merged: PendingUpdate<Origin>[] = []
  for (const [origin, group] of byOrigin) {
    for (const update of mergeInChunks(group)) merged.push({ update, origin })
  }
  return merged
}

/** Merge consecutive updates into as few as the bounds allow, keeping their order. */
export function mergeInChunks(updates: readonly Uint8Array[]): Uint8Array[] {
  return [...chunks(updates)].map((chunk) => (chunk.length === 1 ? chunk[0]! : Y.mergeUpdates(chunk)))
}

function* chunks(updates: readonly Uint8Array[]): Generator<Uint8Array[]> {
  let chunk: Uint8Array[] = []
  let bytes = 0
  for (const update of updates) {
    if (chunk.length > 0 && (chunk.length === MAX_MERGED_UPDATES || bytes + update.byteLength > MAX_MERGED_BYTES)) {
      yield chunk
      chunk = []
      bytes = 0
    }
    chunk.push(update)
    bytes += update.byteLength
  }
  if (chunk.length > 0) yield chunk
}
