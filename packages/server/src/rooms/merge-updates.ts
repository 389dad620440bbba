/**
 * Turning one event-loop turn of a room's updates into as few as possible, before they are
 * stored (fewer rows) and relayed (fewer messages, each encoded once for every recipient).
 */
import * as Y from 'yjs'

/**
 * An update applied to a room's doc and not yet stored: where it came from (null: the server)
 * and the characters it inserted into and deleted from the text, reported once it is stored.
 */
export interface PendingUpdate<Origin = unknown> {
  update: Uint8Array
  origin: Origin
  inserted: number
  deleted: number
}

/**
 * Bounds of one merged message. `Y.mergeUpdates` is quadratic on a long flat list (see
 * perf-notes.md), so a flood is merged in short chunks rather than at once.
 */
const MAX_MERGED_UPDATES = 64
const MAX_MERGED_BYTES = 256 * 1024

/**
 * Group updates by origin (nobody is sent their own edits back) and merge each group in bounded
 * chunks, summing their counts. Order across origins does not matter to Yjs; order within one
 * origin is kept.
 */
export function mergeByOrigin<Origin>(updates: readonly PendingUpdate<Origin>[]): PendingUpdate<Origin>[] {
  const byOrigin = new Map<Origin, PendingUpdate<Origin>[]>()
  for (const pending of updates) {
    const group = byOrigin.get(pending.origin)
    if (group) group.push(pending)
    else byOrigin.set(pending.origin, [pending])
  }
  const merged: PendingUpdate<Origin>[] = []
  for (const [origin, group] of byOrigin) {
    for (const chunk of chunks(group, ({ update }) => update)) {
      merged.push({
        update: chunk.length === 1 ? chunk[0]!.update : Y.mergeUpdates(chunk.map(({ update }) => update)),
        origin,
        inserted: chunk.reduce((sum, { inserted }) => sum + inserted, 0),
        deleted: chunk.reduce((sum, { deleted }) => sum + deleted, 0),
      })
    }
  }
  return merged
}

/** Merge consecutive updates into as few as the bounds allow, keeping their order. */
export function mergeInChunks(updates: readonly Uint8Array[]): Uint8Array[] {
  return [...chunks(updates, (update) => update)].map((chunk) => (chunk.length === 1 ? chunk[0]! : Y.mergeUpdates(chunk)))
}

function* chunks<T>(items: readonly T[], bytesOf: (item: T) => Uint8Array): Generator<T[]> {
  let chunk: T[] = []
  let bytes = 0
  for (const item of items) {
    const size = bytesOf(item).byteLength
    if (chunk.length > 0 && (chunk.length === MAX_MERGED_UPDATES || bytes + size > MAX_MERGED_BYTES)) {
      yield chunk
      chunk = []
      bytes = 0
    }
    chunk.push(item)
    bytes += size
  }
  if (chunk.length > 0) yield chunk
}
