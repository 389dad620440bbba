/**
 * Stock clients editing the same text at once, some of them offline for a while, end with the
 * same document, the server's text endpoint agrees, and clients arriving later get all of it.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { connectClient, type StockClient } from './helpers/client.js'
import { createRandom, int, testSeed, word, type Random } from './helpers/prng.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()
const CLIENTS = 6
const ROUNDS = 12
const OPS_PER_ROUND = 6

/** One random local edit: mostly inserts, some deletes of up to 5 characters. */
function randomEdit(random: Random, client: StockClient): void {
  const { text } = client
  if (text.length > 0 && int(random, 0, 2) === 0) {
    const index = int(random, 0, text.length - 1)
    text.delete(index, Math.min(int(random, 1, 5), text.length - index))
  } else {
    text.insert(int(random, 0, text.length), word(random))
  }
}

function converged(clients: readonly StockClient[]): boolean {
  const first = clients[0]!
  const vector = Y.encodeStateVector(first.doc).toString()
  return clients.every((client) => client.text.toString() === first.text.toString() && Y.encodeStateVector(client.doc).toString() === vector)
}

describe('concurrent edits', () => {
  it('converge across stock clients, match the text endpoint, and reach late joiners', async () => {
    const seed = testSeed(0xc0ffee)
    const random = createRandom(seed)
    const server = await startServer(scope, { unloadAfterMs: 50 })
    const room = 'converge'
    const clients: StockClient[] = []
    for (let i = 0; i < CLIENTS; i++) clients.push(await connectClient(scope, server.wsUrl, room))

    for (let round = 0; round < ROUNDS; round++) {
      // Now and then one client goes offline, edits, and comes back: its sync step 2 merges.
      const offline = int(random, 0, 2) === 0 ? clients[int(random, 0, CLIENTS - 1)]! : undefined
      offline?.provider.disconnect()
      for (let op = 0; op < OPS_PER_ROUND; op++) {
        for (const client of clients) randomEdit(random, client)
        // Interleave event-loop turns so the server sees both batched and lone updates.
        if (int(random, 0, 1) === 0) await new Promise((resolve) => setImmediate(resolve))
      }
      offline?.provider.connect()
    }

    const onUpdates = clients.map((client) => [client.doc, 'update'] as const)
    await waitUntil(`all ${CLIENTS} clients converge (seed ${seed})`, () => converged(clients), { on: onUpdates, timeoutMs: 10_000 })
    const text = clients[0]!.text.toString()
    expect(text.length, `seed ${seed}: the edits left some text`).toBeGreaterThan(50)

    const served = await server.get(`/api/rooms/${room}/text`)
    expect(served.status).toBe(200)
    expect(served.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(served.text, `seed ${seed}`).toBe(text)

    const late = await connectClient(scope, server.wsUrl, room)
    expect(late.text.toString()).toBe(text)
    expect(Y.encodeStateVector(late.doc)).toEqual(Y.encodeStateVector(clients[0]!.doc))

    // Everyone leaves, the room is unloaded, and a later client gets the state back from storage.
    for (const client of [...clients, late]) client.destroy()
    await waitUntil('the room is unloaded', async () => (await server.metric('cowrite_rooms')) === 0)
    const afterUnload = await connectClient(scope, server.wsUrl, room)
    expect(afterUnload.text.toString()).toBe(text)
    expect(Y.encodeStateAsUpdate(afterUnload.doc)).toEqual(Y.encodeStateAsUpdate(late.doc))
  })
})
