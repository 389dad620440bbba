/**
 * Scenario 4, cold sync of a large document: a room holding 100k single-character inserts and
 * 20k single-character deletes (about 1.8 MB encoded, built once with a seeded generator and
 * cached in the temp directory), then fresh clients joining one after another.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as Y from 'yjs'
import { connectRaw, connectYjs, within } from '../clients.js'
import { cpuMs } from '../proc.js'
import type { Scenario } from '../scenario.js'
import { median, seededRandom, sleep } from '../stats.js'

export interface ColdSyncParams {
  inserts: number
  deletes: number
  /** Fresh raw clients, one after another: state message time and server CPU. */
  rawSyncs: number
  /** Fresh stock clients, one after another: full sync time. */
  stockSyncs: number
}

const ROOM = 'cold-sync'

export const coldSync: Scenario<ColdSyncParams> = {
  id: 'cold-sync',
  title: '4. Cold sync of a large document',
  targets: ['cowrite-sqlite', 'cowrite-memory', 'y-websocket', 'hocuspocus'],
  params: (quick) => ({ inserts: 100_000, deletes: 20_000, rawSyncs: quick ? 3 : 10, stockSyncs: quick ? 1 : 3 }),
  describe: (p) =>
    `A room seeded with one update holding ${p.inserts.toLocaleString('en-US')} single-character inserts at random positions and ` +
    `${p.deletes.toLocaleString('en-US')} single-character deletes (built once, seeded; the seeding client stays connected so no server unloads the room). ` +
    `Then ${p.rawSyncs} fresh raw clients, one at a time: *state message*: from opening the socket until the server's sync step 2 has fully arrived ` +
    `(the first join after the seed, when nothing can be cached yet, and the median of the others); *server CPU per sync*: the server's CPU time ` +
    `over each join (10 ms resolution; first, and mean of the others). Then ${p.stockSyncs} stock clients (y-websocket provider or Hocuspocus ` +
    `provider with an empty Y.Doc): *full sync*: until the provider reports synced, which includes applying the document on the client.`,
  columns: () => [
    { key: 'stateBytes', label: 'state message KB', digits: 0 },
    { key: 'firstStateMs', label: 'state msg, 1st join ms', digits: 1 },
    { key: 'stateMs', label: 'state msg p50 ms', digits: 1, better: 'lower' },
    { key: 'fullSyncMs', label: 'full sync p50 ms', digits: 0, better: 'lower' },
    { key: 'firstCpuMs', label: 'server CPU 1st join ms', digits: 0 },
    { key: 'cpuMsPerSync', label: 'server CPU/join ms', digits: 1, better: 'lower' },
  ],
  async run(p, { target, server, log }) {
    const update = bigDocument(p.inserts, p.deletes)
    const expected = new Y.Doc()
    Y.applyUpdate(expected, update)
    const expectedLength = expected.getText('content').length
    // Seed: one update, then our own sync step 1, whose answer comes after the update was applied.
    const seeder = connectRaw(target.protocol, server.wsUrl, ROOM)
    await within(seeder.synced, 30_000, 'seeder sync')
    seeder.sendUpdate(update)
    await within(seeder.requestState(Y.encodeStateVector(expected)), 60_000, 'seed applied')
    await sleep(1_000)
    log(`seeded ${(update.byteLength / 1024).toFixed(0)} KB (text length ${expectedLength})`)

    const stateMs: number[] = []
    const cpus: number[] = []
    let stateBytes = 0
    for (let i = 0; i < p.rawSyncs; i++) {
      const cpu0 = cpuMs(server.pid)
      const client = connectRaw(target.protocol, server.wsUrl, ROOM)
      const { atMs, bytes } = await within(client.synced, 60_000, 'state message')
      // Let the server finish what it does after sending (and the sampling tick pass).
      await sleep(150)
      cpus.push(cpuMs(server.pid) - cpu0)
      stateMs.push(atMs)
      stateBytes = bytes
      client.close()
      await sleep(100)
    }
    const fullMs: number[] = []
    for (let i = 0; i < p.stockSyncs; i++) {
      const started = performance.now()
      const client = connectYjs(target.protocol, server.wsUrl, ROOM)
      await within(client.ready, 60_000, 'stock client sync')
      fullMs.push(performance.now() - started)
      const length = client.text.length
      client.destroy()
      if (length !== expectedLength) throw new Error(`stock client synced ${length} characters, expected ${expectedLength}`)
      await sleep(200)
    }
    seeder.close()
    const rest = cpus.slice(1)
    return {
      updateBytes: update.byteLength,
      stateBytes: stateBytes / 1024,
      firstStateMs: stateMs[0]!,
      stateMs: median(stateMs.slice(1)),
      fullSyncMs: median(fullMs),
      firstCpuMs: cpus[0]!,
      cpuMsPerSync: rest.reduce((sum, cpu) => sum + cpu, 0) / rest.length,
    }
  },
}

/** The seeded large document as one update, cached in the temp directory. */
export function bigDocument(inserts: number, deletes: number): Uint8Array {
  const path = join(tmpdir(), `cowrite-bench-doc-${inserts}-${deletes}-v2.bin`)
  if (existsSync(path)) return new Uint8Array(readFileSync(path))
  const random = seededRandom(42)
  const doc = new Y.Doc()
  const text = doc.getText('content')
  const letters = 'abcdefghijklmnopqrstuvwxyz '
  // Five authors taking turns, as in a shared document (a Y.Doc may change its client id between transactions).
  const authors = Array.from({ length: 5 }, () => 1 + Math.floor(random() * 0xfffffffe))
  for (let i = 0; i < inserts; i++) {
    doc.clientID = authors[i % authors.length]!
    text.insert(Math.floor(random() * (text.length + 1)), letters[Math.floor(random() * letters.length)]!)
  }
  for (let i = 0; i < deletes; i++) text.delete(Math.floor(random() * text.length), 1)
  const update = Y.encodeStateAsUpdate(doc)
  writeFileSync(path, update)
  return update
}
