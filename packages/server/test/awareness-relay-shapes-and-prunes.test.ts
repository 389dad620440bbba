/**
 * The awareness relay on its own, with real y-protocols clients on the other side of plain
 * callbacks: changes are coalesced (the first at once, then at most one message per interval,
 * carrying the latest states), removals go out at once, and tombstones (y-protocols keeps the
 * clock of every removed id forever) are pruned after their time to live.
 */
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import { afterEach, describe, expect, it } from 'vitest'
import { AWARENESS_DEFAULTS, AwarenessRelay, type AwarenessLimits } from '../src/rooms/awareness-relay.js'
import { decodeMessage } from '../src/sync/messages.js'
import { waitUntil } from './helpers/wait.js'

interface Peer {
  name: string
}

const cleanup: Array<() => void> = []
afterEach(() => {
  for (const step of cleanup.splice(0)) step()
})

/** A relay whose broadcasts are decoded into their entries, and a client awareness to feed it. */
function setup(limits: Partial<AwarenessLimits>) {
  const doc = new Y.Doc()
  const broadcasts: Array<Array<{ clientID: number; state: unknown }>> = []
  const relay = new AwarenessRelay<Peer>(doc, { ...AWARENESS_DEFAULTS, ...limits }, {
    broadcast: (message) => {
      const decoded = decodeMessage(message)
      if (decoded.type === 'awareness') broadcasts.push(decoded.entries.map(({ clientID, state }) => ({ clientID, state })))
    },
    deliver: () => {},
    send: () => {},
    presenceChanged: () => {},
  })
  const clientDoc = new Y.Doc()
  const client = new awarenessProtocol.Awareness(clientDoc)
  cleanup.push(() => {
    relay.destroy()
    client.destroy()
    doc.destroy()
    clientDoc.destroy()
  })
  const peer: Peer = { name: 'tab' }
  relay.attach(peer)
  /** Send the client's current state to the relay as its socket would. */
  const announce = () => {
    const update = awarenessProtocol.encodeAwarenessUpdate(client, [client.clientID])
    const decoded = decodeMessage(Uint8Array.from([1, ...encodeLength(update.length), ...update]))
    if (decoded.type !== 'awareness') throw new Error('not an awareness message')
    expect(relay.receive(peer, decoded.update, decoded.entries)).toBeNull()
  }
  return { relay, client, peer, broadcasts, announce }
}

/** lib0's varUint, for the frame's payload length. */
function encodeLength(length: number): number[] {
  const bytes: number[] = []
  while (length > 0x7f) {
    bytes.push((length & 0x7f) | 0x80)
    length >>>= 7
  }
  bytes.push(length)
  return bytes
}

describe('the awareness relay', () => {
  it('sends the first change at once and coalesces a burst into one message with the latest state', async () => {
    const { client, broadcasts, announce } = setup({ relayIntervalMs: 200 })
    client.setLocalState({ n: 0 })
    announce()
    await waitUntil('the first change is relayed', () => broadcasts.length === 1, { timeoutMs: 150 })
    for (let n = 1; n <= 50; n++) {
      client.setLocalState({ n })
      announce()
    }
    await waitUntil('the burst is relayed', () => broadcasts.length === 2, { timeoutMs: 1_000 })
    expect(broadcasts[1]).toEqual([{ clientID: client.clientID, state: { n: 50 } }])
  })

  it('relays a removal at once, even inside an interval', async () => {
    const { relay, client, peer, broadcasts, announce } = setup({ relayIntervalMs: 60_000 })
    client.setLocalState({ here: true })
    announce()
    await waitUntil('the arrival is relayed', () => broadcasts.length === 1, { timeoutMs: 150 })
    relay.detach(peer)
    expect(broadcasts[1]).toEqual([{ clientID: client.clientID, state: null }])
  })

  it('forgets tombstones after their time to live', async () => {
    const { relay, client, peer, announce } = setup({ tombstoneTtlMs: 1_000 })
    client.setLocalState({ here: true })
    announce()
    relay.detach(peer)
    expect(relay.tombstoneCount).toBe(1)
    await waitUntil('the tombstone is pruned', () => relay.tombstoneCount === 0, { timeoutMs: 4_000, pollMs: 100 })
    expect(relay.awareness.meta.has(client.clientID)).toBe(false)
  })
})
