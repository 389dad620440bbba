/**
 * Every encoder of sync/messages.ts against its decoder, table-driven: what is encoded decodes
 * to the same message, byte for byte, and the stock y-protocols reading agrees.
 */
import * as encoding from 'lib0/encoding'
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import {
  decodeAwarenessUpdate,
  decodeMessage,
  encodeAwarenessMessage,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  type AwarenessEntry,
} from '../src/sync/messages.js'

/** Encode entries exactly as y-protocols' `encodeAwarenessUpdate` lays them out. */
function awarenessUpdate(entries: ReadonlyArray<Omit<AwarenessEntry, 'size'>>): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, entries.length)
  for (const { clientID, clock, state } of entries) {
    encoding.writeVarUint(encoder, clientID)
    encoding.writeVarUint(encoder, clock)
    encoding.writeVarString(encoder, JSON.stringify(state))
  }
  return encoding.toUint8Array(encoder)
}

const doc = new Y.Doc()
doc.getText('content').insert(0, 'héllo wörld')
const update = Y.encodeStateAsUpdate(doc)
const stateVector = Y.encodeStateVector(doc)

describe('sync messages round-trip', () => {
  const cases = [
    { name: 'sync step 1', encoded: encodeSyncStep1(stateVector), decoded: { type: 'sync-step1', stateVector } },
    { name: 'sync step 2', encoded: encodeSyncStep2(update), decoded: { type: 'sync-step2', update } },
    { name: 'sync update', encoded: encodeSyncUpdate(update), decoded: { type: 'sync-update', update } },
    { name: 'empty sync update', encoded: encodeSyncUpdate(Y.encodeStateAsUpdate(new Y.Doc())), decoded: { type: 'sync-update' } },
  ] as const
  for (const { name, encoded, decoded } of cases) {
    it(name, () => {
      expect(decodeMessage(encoded)).toMatchObject(decoded)
    })
  }

  it('awareness: what y-protocols encodes decodes to its states', () => {
    const awareness = new Awareness(new Y.Doc())
    awareness.setLocalState({ user: { name: 'Ada', color: '#f00' }, cursor: null })
    const [entry] = decodeAwarenessUpdate(encodeAwarenessUpdate(awareness, [awareness.clientID]))
    expect(entry).toMatchObject({ clientID: awareness.clientID, clock: 1, state: awareness.getLocalState() })
    awareness.destroy()
  })

  const entryCases: Array<{ name: string; entries: Array<Omit<AwarenessEntry, 'size'>> }> = [
    { name: 'no entries', entries: [] },
    { name: 'one user', entries: [{ clientID: 1, clock: 3, state: { user: { name: 'Ada', color: '#f00' } } }] },
    { name: 'a removal', entries: [{ clientID: 2 ** 31 - 1, clock: 0, state: null }] },
    {
      name: 'several, unicode and nesting',
      entries: [
        { clientID: 7, clock: 1, state: { user: { name: 'Zoë 🚀' }, cursor: { anchor: { type: { client: 1, clock: 2 } } } } },
        { clientID: 8, clock: 99, state: [1, 'two', null] },
      ],
    },
  ]
  for (const { name, entries } of entryCases) {
    it(`awareness: ${name}`, () => {
      const update = awarenessUpdate(entries)
      const decoded = decodeAwarenessUpdate(update)
      expect(decoded.map(({ clientID, clock, state }) => ({ clientID, clock, state }))).toEqual(entries)
      const message = decodeMessage(encodeAwarenessMessage(update))
      expect(message.type).toBe('awareness')
      if (message.type === 'awareness') expect(Buffer.from(message.update).equals(Buffer.from(update))).toBe(true)
      // The stock reading of the same bytes agrees.
      const awareness = new Awareness(new Y.Doc())
      applyAwarenessUpdate(awareness, update, null)
      for (const { clientID, state } of entries) if (state !== null) expect(awareness.getStates().get(clientID)).toEqual(state)
      awareness.destroy()
    })
  }
})
