/**
 * Compaction folds a room's append log into one snapshot, merging on a worker thread while
 * appends go on. The document loaded after it equals the document before it, and updates appended
 * around it (in the same turn as the append that triggered it, while the worker merges, right
 * after it) all survive. A room that hands its own state with its append (a loaded room with
 * nothing else unstored) and is small gets that state as its snapshot in the same transaction,
 * without the worker; a big one still goes to the worker.
 */
import { join } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { createSqliteStorage, type SqliteStorage } from '../src/storage/sqlite.js'
import { connectClient } from './helpers/client.js'
import { tempDir } from './helpers/cowrite-process.js'
import { createRandom, int, randomEdit, testSeed } from './helpers/prng.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { waitUntil } from './helpers/wait.js'
import { appendOf } from './helpers/appends.js'

const scope = useScope()

function openStore(path: string, compactAfterCount: number): SqliteStorage {
  const storage = createSqliteStorage({ path, compactAfterCount })
  scope.defer(() => storage.close())
  return storage
}

/** The room's stored document, rebuilt from what `load` returns. */
async function loaded(storage: SqliteStorage, room: string): Promise<Y.Doc> {
  const doc = new Y.Doc()
  scope.defer(() => doc.destroy())
  for (const update of await storage.load(room)) Y.applyUpdate(doc, update)
  return doc
}

/** Changes after the snapshot: the log a load replays. */
function logRows(storage: SqliteStorage, room: string): number {
  const query = 'SELECT count(*) AS n FROM changes WHERE room = ? AND id > coalesce((SELECT upto FROM snapshots WHERE room = ?), 0)'
  return (storage.db.prepare(query).get(room, room) as { n: number }).n
}

function hasSnapshot(storage: SqliteStorage, room: string): boolean {
  return storage.db.prepare('SELECT 1 FROM snapshots WHERE room = ?').get(room) !== undefined
}

function expectSameDocument(actual: Y.Doc, expected: Y.Doc, seed: number): void {
  expect(actual.getText('content').toString(), `seed ${seed}`).toBe(expected.getText('content').toString())
  expect(Y.encodeStateVector(actual), `seed ${seed}`).toEqual(Y.encodeStateVector(expected))
}

describe('compaction', () => {
  it('leaves the loaded document exactly as it was before', async () => {
    const seed = testSeed(1337)
    const random = createRandom(seed)
    const storage = openStore(join(tempDir(scope), 'cowrite.db'), 1_000_000)
    const source = new Y.Doc()
    scope.defer(() => source.destroy())
    const updates: Uint8Array[] = []
    source.on('update', (update: Uint8Array) => updates.push(update))
    for (let i = 0; i < 300; i++) randomEdit(random, source.getText('content'))
    await storage.append([appendOf('r', updates, source.getText('content').length)])
    expect(logRows(storage, 'r')).toBe(300)

    const before = await loaded(storage, 'r')
    await storage.compact('r')
    expect(logRows(storage, 'r')).toBe(0)
    expect(hasSnapshot(storage, 'r')).toBe(true)
    const after = await loaded(storage, 'r')
    expectSameDocument(after, before, seed)
    expectSameDocument(after, source, seed)
    expect((await storage.load('r')).length).toBe(1)
  })

  it('keeps updates appended while the worker merges, in the log after the new snapshot', async () => {
    const seed = testSeed(99)
    const random = createRandom(seed)
    const storage = openStore(join(tempDir(scope), 'cowrite.db'), 1_000_000)
    const source = new Y.Doc()
    scope.defer(() => source.destroy())
    let batch: Uint8Array[] = []
    source.on('update', (update: Uint8Array) => batch.push(update))
    const appendEdits = async (count: number) => {
      for (let i = 0; i < count; i++) randomEdit(random, source.getText('content'))
      const updates = batch
      batch = []
      await storage.append([appendOf('r', updates, source.getText('content').length)])
    }
    await appendEdits(200)

    // The compaction has read its rows when compact() returns its promise; these ten land after.
    const compaction = storage.compact('r')
    for (let i = 0; i < 10; i++) await appendEdits(1)
    expect(logRows(storage, 'r')).toBe(210)
    await compaction

    expect(hasSnapshot(storage, 'r')).toBe(true)
    expect(logRows(storage, 'r')).toBe(10)
    expect((await storage.load('r')).length, 'the snapshot, then the ten').toBe(11)
    expectSameDocument(await loaded(storage, 'r'), source, seed)
  })

  it('keeps every update appended around compactions triggered by the log count', async () => {
    const seed = testSeed(4242)
    const random = createRandom(seed)
    const storage = openStore(join(tempDir(scope), 'cowrite.db'), 8)
    const source = new Y.Doc()
    scope.defer(() => source.destroy())
    let batch: Uint8Array[] = []
    source.on('update', (update: Uint8Array) => batch.push(update))
    let compactions = 0
    let appends = 0
    const explicit: Promise<void>[] = []
    let rowsAfterLastAppend = 0

    for (let round = 0; round < 120; round++) {
      const edits = int(random, 1, 6)
      for (let i = 0; i < edits; i++) randomEdit(random, source.getText('content'))
      const updates = batch
      batch = []
      // Appends in the same turn as the one that scheduled a compaction land before it runs;
      // compaction must fold them in or leave them in the log, never drop them.
      // The log shrank since the last append: a compaction finished in between.
      if (logRows(storage, 'r') < rowsAfterLastAppend) compactions++
      await storage.append([appendOf('r', updates, source.getText('content').length)])
      appends++
      rowsAfterLastAppend = logRows(storage, 'r')
      switch (int(random, 0, 3)) {
        case 0:
          await storage.compactionsSettled() // the scheduled compaction runs to its end now
          break
        case 1:
          explicit.push(storage.compact('r')) // an explicit one, racing the scheduled one and later appends
          break
        default:
          break // keep appending in this turn
      }
      expectSameDocument(await loaded(storage, 'r'), source, seed)
    }
    await Promise.all(explicit)
    await storage.compact('r')
    expect(appends).toBe(120)
    expect(compactions, `seed ${seed}: compaction never ran`).toBeGreaterThan(3)
    expect(logRows(storage, 'r')).toBe(0)
    expectSameDocument(await loaded(storage, 'r'), source, seed)
  })

  it('compacts a live room without losing concurrent edits, and a restarted server serves the same text', async () => {
    const path = join(tempDir(scope), 'cowrite.db')
    const storage = openStore(path, 5)
    const server = await startServer(scope, { storage })
    const seed = testSeed(7)
    const random = createRandom(seed)
    const a = await connectClient(scope, server.wsUrl, 'live')
    const b = await connectClient(scope, server.wsUrl, 'live')
    const reader = await connectClient(scope, server.wsUrl, 'live')

    for (let i = 0; i < 200; i++) {
      randomEdit(random, a.text)
      randomEdit(random, b.text)
      if (i % 3 === 0) await nextTurn()
    }
    await waitUntil('all three converge', () => a.text.toString() === b.text.toString() && reader.text.toString() === a.text.toString(), {
      on: [
        [a.doc, 'update'],
        [b.doc, 'update'],
        [reader.doc, 'update'],
      ],
      timeoutMs: 10_000,
    })
    const text = reader.text.toString()
    await storage.compactionsSettled()
    expect(hasSnapshot(storage, 'live')).toBe(true)
    expect(logRows(storage, 'live')).toBeLessThan(400)
    expectSameDocument(await loaded(storage, 'live'), reader.doc, seed)

    a.destroy()
    b.destroy()
    reader.destroy()
    await server.close()
    const reopened = openStore(path, 5)
    const restarted = await startServer(scope, { storage: reopened })
    const fresh = await connectClient(scope, restarted.wsUrl, 'live')
    expect(fresh.text.toString(), `seed ${seed}`).toBe(text)
  })
})

describe('compaction with the room\'s own state', () => {
  /**
   * `edits` edits of `source` (`edit`, random by default), appended one per transaction, each
   * handing the state after it (through `state`, counted by the caller if it likes).
   */
  async function appendWithState(
    storage: SqliteStorage,
    source: Y.Doc,
    edits: number,
    edit: (text: Y.Text, index: number) => void,
    state: () => Uint8Array = () => Y.encodeStateAsUpdate(source),
  ): Promise<void> {
    const text = source.getText('content')
    for (let i = 0; i < edits; i++) {
      const updates: Uint8Array[] = []
      const collect = (update: Uint8Array) => updates.push(update)
      source.on('update', collect)
      edit(text, i)
      source.off('update', collect)
      await storage.append([{ ...appendOf('r', updates, text.length), state }])
    }
  }

  it('keeps a small room\'s state as its snapshot in the append that passes the threshold', async () => {
    const seed = testSeed(31)
    const random = createRandom(seed)
    const storage = openStore(join(tempDir(scope), 'cowrite.db'), 20)
    const source = new Y.Doc()
    scope.defer(() => source.destroy())
    const typing = (text: Y.Text) => randomEdit(random, text)
    await appendWithState(storage, source, 20, typing)
    expect(hasSnapshot(storage, 'r'), 'at the threshold: not yet').toBe(false)
    await appendWithState(storage, source, 1, typing)
    // No waiting for a compaction: the append itself wrote it, after its own change.
    expect(storage.db.prepare("SELECT upto FROM snapshots WHERE room = 'r'").get()).toEqual({ upto: 21 })
    expect(logRows(storage, 'r')).toBe(0)
    expect(await storage.load('r')).toHaveLength(1)
    await appendWithState(storage, source, 5, typing)
    expectSameDocument(await loaded(storage, 'r'), source, seed)
  })

  it('sends a big room to the worker even with its state at hand', async () => {
    const seed = testSeed(32)
    const random = createRandom(seed)
    const storage = openStore(join(tempDir(scope), 'cowrite.db'), 20)
    const source = new Y.Doc()
    scope.defer(() => source.destroy())
    let asked = 0
    // A 300 KiB paste first (past the first checkpoint's 64 KiB at once), then typing.
    const pasteThenType = (text: Y.Text, i: number) => (i === 0 ? text.insert(0, 'z'.repeat(300 * 1024)) : randomEdit(random, text))
    await appendWithState(storage, source, 22, pasteThenType, () => (asked++, Y.encodeStateAsUpdate(source)))
    await storage.compactionsSettled()
    expect(asked, 'over 256 KiB: merged on the worker, the state never encoded').toBe(0)
    expect(hasSnapshot(storage, 'r')).toBe(true)
    expectSameDocument(await loaded(storage, 'r'), source, seed)
  })
})
