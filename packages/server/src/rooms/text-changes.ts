/**
 * Characters inserted into and deleted from one Y.Text by a transaction, counted from the
 * transaction's own bookkeeping (new clock ranges and its delete set) so the cost follows the
 * size of the change. `YTextEvent.delta` would walk the whole text: on a 1.7 MB document one
 * keystroke cost 163 ms that way, against 0.08 ms for applying it.
 */
import * as Y from 'yjs'

export interface TextChanges {
  inserted: number
  deleted: number
}

export function countTextChanges(transaction: Y.Transaction, text: Y.Text): TextChanges {
  const { beforeState, afterState, deleteSet, doc } = transaction
  let inserted = 0
  let deleted = 0
  for (const [client, after] of afterState) {
    const before = beforeState.get(client) ?? 0
    if (after <= before) continue
    const structs = doc.store.clients.get(client)!
    for (let i = Y.findIndexSS(structs, before); i < structs.length; i++) {
      const struct = structs[i]!
      if (struct.id.clock >= after) break
      // An item inserted and deleted in the same transaction changed nothing anyone saw.
      if (struct instanceof Y.Item && struct.parent === text && struct.countable && !struct.deleted) inserted += struct.length
    }
  }
  Y.iterateDeletedStructs(transaction, deleteSet, (struct) => {
    const existedBefore = struct.id.clock < (beforeState.get(struct.id.client) ?? 0)
    if (existedBefore && struct instanceof Y.Item && struct.parent === text && struct.countable) deleted += struct.length
  })
  return { inserted, deleted }
}
