/**
 * Edit sizes for activity events are counted from each transaction's own bookkeeping: they must
 * agree with Yjs's delta (the slow, whole-text way) on random edits, local and remote.
 */
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { countTextChanges } from '../src/rooms/text-changes.js'
import { createRandom, int, testSeed, word } from './helpers/prng.js'

describe('countTextChanges', () => {
  it('agrees with the delta of every transaction, for local and remote edits', () => {
    const seed = testSeed(77)
    const random = createRandom(seed)
    const local = new Y.Doc()
    const remote = new Y.Doc()
    const seen: Array<{ counted: { inserted: number; deleted: number }; delta: { inserted: number; deleted: number } }> = []
    for (const doc of [local, remote]) {
      const text = doc.getText('content')
      let delta = { inserted: 0, deleted: 0 }
      text.observe((event) => {
        delta = { inserted: 0, deleted: 0 }
        for (const change of event.changes.delta) {
          if (typeof change.insert === 'string') delta.inserted += change.insert.length
          delta.deleted += change.delete ?? 0
        }
      })
      doc.on('afterTransaction', (transaction: Y.Transaction) => {
        if (!transaction.changed.has(text as Y.AbstractType<any>)) return
        seen.push({ counted: countTextChanges(transaction, text), delta })
      })
    }
    local.on('update', (update: Uint8Array) => Y.applyUpdate(remote, update))
    const text = local.getText('content')
    for (let i = 0; i < 300; i++) {
      local.transact(() => {
        for (let op = int(random, 1, 3); op > 0; op--) {
          if (text.length > 0 && random.next() < 0.4) {
            const at = int(random, 0, text.length - 1)
            text.delete(at, int(random, 1, Math.min(8, text.length - at)))
          } else text.insert(int(random, 0, text.length), word(random, 6))
        }
      })
    }
    expect(seen.length).toBeGreaterThan(500)
    for (const { counted, delta } of seen) expect(counted, `seed ${seed}`).toEqual(delta)
    expect(remote.getText('content').toString()).toBe(text.toString())
  })
})
