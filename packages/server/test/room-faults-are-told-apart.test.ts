/**
 * A room tells a client's bad input from its own faults, and a fault of its own strands no one.
 * Regressions: any exception from the message handler closed the socket with 1007 "undecodable",
 * including faults after the update was applied and stored; and a throw part-way through relaying
 * a commit left every client waiting for its first sync step 2 waiting forever.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { afterEach, describe, expect, it } from 'vitest'
import { createRandom, int } from './helpers/prng.js'
import { QUIET_OBSERVER, SimClient, SimNetwork, simRoom, type SimRoom } from './helpers/sim-network.js'
import { waitUntil } from './helpers/wait.js'

const cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

function open(observer = QUIET_OBSERVER): { sim: SimRoom; network: SimNetwork; client: () => SimClient } {
  const sim = simRoom('faults', observer)
  const network = new SimNetwork(createRandom(7))
  cleanup.push(() => sim.close())
  return {
    sim,
    network,
    client: () => {
      const client = new SimClient(network, sim.room)
      cleanup.push(() => client.destroy())
      return client
    },
  }
}

/** Deliver everything in flight and let commits run, until quiet. */
async function settle(network: SimNetwork, sim: SimRoom): Promise<void> {
  for (let round = 0; round < 1000 && (network.pending > 0 || !sim.room.isStored); round++) {
    while (network.deliverOne()) {}
    await nextTurn()
  }
}

/** A sync-update frame around `update`, which decodes but may not apply. */
function updateFrame(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  encoding.writeVarUint(encoder, 2)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

describe('room faults', () => {
  it('closes a peer whose update decodes but does not apply with 1007, leaving the document as it was', async () => {
    const { sim, network, client } = open()
    const writer = client()
    writer.connect()
    writer.text.insert(0, 'kept')
    await settle(network, sim)
    // Seeded mutants of a real update, until one decodes (so it reaches the room) but throws in
    // Y.applyUpdate against the room's state.
    const random = createRandom(11)
    const source = new Y.Doc()
    Y.applyUpdate(source, Y.encodeStateAsUpdate(writer.doc))
    source.getText('content').insert(2, 'xyz')
    source.getText('content').delete(0, 1)
    const valid = Y.encodeStateAsUpdate(source, Y.encodeStateVector(writer.doc))
    source.destroy()
    let applied: Uint8Array | undefined
    for (let attempt = 0; attempt < 20_000 && !applied; attempt++) {
      const candidate = Uint8Array.from(valid)
      for (let flips = int(random, 1, 3); flips > 0; flips--) candidate[int(random, 0, candidate.length - 1)] = int(random, 0, 255)
      try {
        Y.decodeUpdate(candidate)
      } catch {
        continue // the connection's decoder refuses it before the room sees it
      }
      const probe = new Y.Doc()
      Y.applyUpdate(probe, Y.encodeStateAsUpdate(writer.doc))
      try {
        Y.applyUpdate(probe, candidate)
      } catch {
        applied = candidate
      } finally {
        probe.destroy()
      }
    }
    expect(applied, 'a bit-flipped update that decodes but does not apply').toBeDefined()
    const link = writer.link!
    link.fromClient(updateFrame(applied!))
    await settle(network, sim)
    expect(link.closeCode).toBe(1007)
    expect(sim.room.text()).toBe('kept')
  })

  it('closes a peer with 1011, logged as an internal fault, when the fault is the server\'s', async () => {
    const faulty = { ...QUIET_OBSERVER, presenceChanged: () => { throw new Error('observer bug') } }
    const { sim, network, client } = open(faulty)
    const tab = client()
    tab.connect()
    const awareness = new (await import('y-protocols/awareness')).Awareness(tab.doc)
    cleanup.push(() => awareness.destroy())
    awareness.setLocalState({ user: { name: 'Ada', color: '#f00' } })
    const { encodeAwarenessUpdate } = await import('y-protocols/awareness')
    const update = encodeAwarenessUpdate(awareness, [tab.doc.clientID])
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 1)
    encoding.writeVarUint8Array(encoder, update)
    const link = tab.link!
    link.fromClient(encoding.toUint8Array(encoder))
    await settle(network, sim)
    expect(link.closeCode).toBe(1011)
    expect(sim.logs.find((line) => line.msg === 'internal fault while handling a message')).toMatchObject({ room: 'faults', type: 'awareness' })
  })

  it('still answers a new client once stored, when relaying a commit throws part-way', async () => {
    let failRelay = false
    const faulty = {
      ...QUIET_OBSERVER,
      committed: () => {
        if (failRelay) throw new Error('relay bug')
      },
    }
    const { sim, network, client } = open(faulty)
    const writer = client()
    writer.connect()
    await settle(network, sim)
    failRelay = true
    writer.text.insert(0, 'typed before the newcomer')
    // The newcomer's step 1 waits for that commit; the commit's relay throws.
    const newcomer = client()
    newcomer.connect()
    await waitUntil('the newcomer has the text', async () => {
      await settle(network, sim)
      return newcomer.text.toString() === 'typed before the newcomer'
    })
    expect(sim.logs.some((line) => line.msg === 'relaying committed updates failed')).toBe(true)
  })
})
