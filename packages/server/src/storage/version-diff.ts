/**
 * What changed between two versions, attributed to its authors, with Yjs's own versioning:
 * replay the earlier state and the changes after it into a doc that keeps deleted content
 * (gc off), take a snapshot before and after, and let `Y.Text#toDelta(after, before)` mark what
 * was added and removed. Yjs names each added or removed run by the item's id; the history knows
 * which author's change introduced each client id (an insert) and each deleted range (a delete).
 */
import * as Y from 'yjs'
import { CONTENT, type ActivityUser, type ChangedPart } from '@cowrite/protocol'
import type { Change } from './storage.js'

interface DeletedRange {
  client: number
  clock: number
  end: number
  author: ActivityUser
}

/**
 * The text after `changes`, applied on top of the state `base` (updates from an empty doc), in
 * runs kept, inserted and deleted, adjacent runs of one kind and author merged.
 */
export function attributedChanges(base: readonly Uint8Array[], changes: readonly Change[]): ChangedPart[] {
  const doc = new Y.Doc({ gc: false })
  try {
    doc.transact(() => {
      for (const update of base) Y.applyUpdate(doc, update)
    })
    const before = Y.snapshot(doc)
    const inserters = new Map<number, ActivityUser>()
    const deleted: DeletedRange[] = []
    for (const { update, author } of changes) {
      const { structs, ds } = Y.decodeUpdate(update)
      for (const struct of structs) inserters.set(struct.id.client, author)
      for (const [client, ranges] of ds.clients) {
        for (const { clock, len } of ranges) deleted.push({ client, clock, end: clock + len, author })
      }
      Y.applyUpdate(doc, update)
    }
    const after = Y.snapshot(doc)
    const deleterOf = (id: Y.ID): ActivityUser =>
      deleted.findLast((range) => range.client === id.client && id.clock >= range.clock && id.clock < range.end)?.author ?? null
    type Op = { insert: unknown; attributes?: { ychange?: { type: 'added' | 'removed'; id: Y.ID } } }
    const delta = doc.getText(CONTENT).toDelta(after, before, (type: 'added' | 'removed', id: Y.ID) => ({ type, id })) as Op[]
    const parts: ChangedPart[] = []
    for (const { insert, attributes } of delta) {
      if (typeof insert !== 'string') continue
      const ychange = attributes?.ychange
      const part: ChangedPart = !ychange
        ? { text: insert, change: 'kept', author: null }
        : ychange.type === 'added'
          ? { text: insert, change: 'inserted', author: inserters.get(ychange.id.client) ?? null }
          : { text: insert, change: 'deleted', author: deleterOf(ychange.id) }
      const last = parts[parts.length - 1]
      if (last && last.change === part.change && last.author?.name === part.author?.name) last.text += part.text
      else parts.push(part)
    }
    return parts
  } finally {
    doc.destroy()
  }
}
