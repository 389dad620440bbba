/**
 * Compaction shared by the stores: many small updates of one room become one.
 */
import * as Y from 'yjs'

/**
 * Merge a room's updates into one update holding the same state. Applies them to a scratch doc
 * rather than calling `Y.mergeUpdates`, which is quadratic on a long flat list.
 */
export function compactUpdates(updates: readonly Uint8Array[]): Uint8Array {
  if (updates.length === 1) return updates[0]!
  const doc = new Y.Doc({ gc: true })
  try {
    doc.transact(() => {
      for (const update of updates) Y.applyUpdate(doc, update)
    })
    return Y.encodeStateAsUpdate(doc)
  } finally {
    doc.destroy()
  }
}
