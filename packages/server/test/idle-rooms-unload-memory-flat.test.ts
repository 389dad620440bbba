/**
 * Rooms come and go: 1,000 rooms opened, edited and closed are all unloaded after the grace
 * period once stored, their edits survive the unload, and memory stays flat over repeated rounds
 * (no per-room leftovers: docs, awareness timers, unload timers, commit-queue entries).
 */
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import * as Y from 'yjs'
import { createStockClient } from '@cowrite/testing'
import { describe, expect, it } from 'vitest'
import { createSqliteStorage } from '../src/storage/sqlite.js'
import { tempDir } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()

const ROOMS = 1_000
const ROUNDS = 4
/** Clients connected at once while a round runs. */
const CONCURRENCY = 100

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function settledMemory(): { rss: number; heap: number } {
  for (let i = 0; i < 3; i++) gc()
  const { rss, heapUsed } = process.memoryUsage()
  return { rss, heap: heapUsed }
}

describe('idle rooms', () => {
  it(`are all unloaded after the grace period, ${ROOMS} rooms × ${ROUNDS} rounds, with flat memory`, { timeout: 240_000 }, async () => {
    const storage = createSqliteStorage({ path: join(tempDir(scope), 'cowrite.db') })
    const server = await startServer(scope, { storage, unloadAfterMs: 50, logLevel: 'warn' })
    const rounds: Array<{ rss: number; heap: number }> = []

    for (let round = 1; round <= ROUNDS; round++) {
      for (let start = 0; start < ROOMS; start += CONCURRENCY) {
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async (_, offset) => {
            const room = `room-${start + offset}`
            // Destroyed here, not by the scope: the test must not keep 4,000 of them alive.
            // A given guid skips lib0's costly uuidv4.
            const client = createStockClient(server.wsUrl, room, { doc: new Y.Doc({ guid: room }), user: null })
            try {
              await waitUntil(`${room} synced`, () => client.provider.synced, { on: [[client.provider, 'sync']] })
              // Each round finds the previous rounds' edits: the unload lost nothing.
              expect(client.text.toString(), room).toBe('x'.repeat(round - 1))
              // Leave at once: the frame goes out before the close, and the server must store it
              // before the room may be unloaded (checked by the next round).
              client.text.insert(0, 'x')
            } finally {
              client.destroy()
            }
          }),
        )
      }
      await waitUntil(
        `every room of round ${round} is unloaded`,
        async () => (await server.metric('cowrite_rooms')) === 0 && (await server.metric('cowrite_connections')) === 0,
        { timeoutMs: 10_000, pollMs: 50 },
      )
      rounds.push(settledMemory())
    }

    const mb = (bytes: number) => Math.round(bytes / 1024 / 10.24) / 100
    const summary = rounds.map(({ rss, heap }, i) => `round ${i + 1}: rss ${mb(rss)} MB, heap ${mb(heap)} MB`).join('; ')
    console.log(summary)
    // Round 1 warms caches (SQLite page cache, JIT, pools); after it, growth must stay small. A
    // room left undestroyed on unload (doc, awareness timer) grows the heap ~7 MB per round here.
    const baseline = rounds[1]!
    const last = rounds[ROUNDS - 1]!
    expect(last.heap - baseline.heap, summary).toBeLessThan(6 * 1024 * 1024)
    expect(last.rss - baseline.rss, summary).toBeLessThan(40 * 1024 * 1024)
    expect((await storage.list()).length).toBe(ROOMS)
  })
})
