/**
 * The room logic on its own, over a simulated network that delivers messages in any order and
 * drops whole connections (which then reconnect and sync again): however the seed plays it, every
 * client ends with the room's text, and the store holds exactly that text. The same with the room
 * loaded on two instances sharing one store, joined through their fan-outs (as Redis joins them):
 * what crosses is applied there and relayed to its clients. Replay a failure with COWRITE_TEST_SEED=<seed>.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import * as Y from 'yjs'
import { afterEach, describe, expect, it } from 'vitest'
import { createRandom, int, testSeed } from './helpers/prng.js'
import { createMemoryStorage } from '../src/storage/memory.js'
import { SimClient, SimNetwork, linkedFanouts, simRoom, type SimRoom } from './helpers/sim-network.js'

const opened: Array<{ room: SimRoom; clients: SimClient[] }> = []
afterEach(async () => {
  for (const { room, clients } of opened.splice(0)) {
    for (const client of clients) client.destroy()
    await room.close()
  }
})

async function storedText(sim: SimRoom): Promise<string> {
  const doc = new Y.Doc()
  for (const update of await sim.storage.load(sim.room.name)) Y.applyUpdate(doc, update)
  const text = doc.getText('content').toString()
  doc.destroy()
  return text
}

/**
 * Run one seeded scenario: `steps` random actions among `clientCount` clients, then quiesce; with
 * `instances: 2`, the clients are split between two instances of the room.
 */
async function scenario(seed: number, clientCount: number, steps: number, instances: 1 | 2 = 1): Promise<void> {
  const random = createRandom(seed)
  const network = new SimNetwork(random)
  const storage = createMemoryStorage()
  const fanouts = linkedFanouts((deliver) => network.send(network.backbone, deliver))
  const sims = instances === 1 ? [simRoom(`sim-${seed}`, undefined, storage)] : fanouts.map((fanout) => simRoom(`sim-${seed}`, undefined, storage, fanout))
  const clients = Array.from({ length: clientCount }, (_, i) => new SimClient(network, sims[i % sims.length]!.room))
  for (const [i, sim] of sims.entries()) opened.push({ room: sim, clients: clients.filter((_, j) => j % sims.length === i) })
  const sim = sims[0]!
  for (const client of clients) client.connect()

  for (let step = 0; step < steps; step++) {
    const client = clients[int(random, 0, clients.length - 1)]!
    const action = int(random, 0, 99)
    if (action < 35) {
      const text = client.text
      if (text.length > 0 && int(random, 0, 3) === 0) {
        const at = int(random, 0, text.length - 1)
        text.delete(at, int(random, 1, Math.min(5, text.length - at)))
      } else text.insert(int(random, 0, text.length), String.fromCharCode(97 + int(random, 0, 25)).repeat(int(random, 1, 4)))
    } else if (action < 80) {
      network.deliverOne()
    } else if (action < 85) {
      client.disconnect()
    } else if (action < 92) {
      if (!client.link) client.connect()
    } else {
      // Let the commit queue run: relays happen only after storage.
      await nextTurn()
    }
  }

  // Quiesce: everyone reconnects, everything in flight is delivered, commits settle.
  for (const client of clients) if (!client.link) client.connect()
  for (let round = 0; round < 10_000 && (network.pending > 0 || sims.some(({ room }) => !room.isStored)); round++) {
    while (network.deliverOne()) {}
    await nextTurn()
  }
  const expected = sim.room.text()
  for (const other of sims) expect(other.room.text(), `seed ${seed}: every instance`).toBe(expected)
  for (const [i, client] of clients.entries()) expect(client.text.toString(), `seed ${seed}, client ${i}`).toBe(expected)
  expect(await storedText(sim), `seed ${seed}: the store`).toBe(expected)
  for (const { logs } of sims) expect(logs.filter((line) => (line as { level?: number }).level! >= 50), `seed ${seed}`).toEqual([])
}

describe('rooms over a seeded network with reordering, drops and reconnects', () => {
  const base = testSeed(1234)
  for (let run = 0; run < 12; run++) {
    const seed = base + run
    it(`converge, and store what they converged to (seed ${seed})`, async () => {
      await scenario(seed, 2 + (run % 4), 300)
    })
  }
})

describe('one room on two instances joined through their fan-outs', () => {
  const base = testSeed(4321)
  for (let run = 0; run < 8; run++) {
    const seed = base + run
    it(`converges on both instances, and the shared store holds the same text (seed ${seed})`, async () => {
      await scenario(seed, 2 + (run % 4), 300, 2)
    })
  }
})
