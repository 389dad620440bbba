/**
 * `pnpm bench:history [--changes N]`: what history costs in the SQLite store (design.md
 * "History"), measured rather than assumed. A simulated typist makes one stored change per
 * keystroke (the worst case: the commit queue merges a turn's keystrokes into one change), and the
 * script reports
 *
 * - bytes of history per 10,000 keystrokes (changes, checkpoints and versions; and the file's
 *   growth with its indexes), against the document's own size;
 * - the time to read the text at an instant (the last change at or before it, then its checkpoint
 *   and the changes after it) in a room with N stored changes (default 1,000,000), and how many
 *   updates such a read replays.
 *
 * No peer server has history, so there is nothing to compare side by side: these are absolute figures.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as prng from 'lib0/prng'
import * as Y from 'yjs'
import { createSqliteStorage, type RoomAppend } from '@cowrite/server'

const { values } = parseArgs({ options: { changes: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '2026' } } })
const total = Number(values.changes)
const random = prng.create(Number(values.seed))
const ROOM = 'history-bench'
const AUTHORS = [{ name: 'Ada', color: '#0090ff' }, { name: 'Grace', color: '#e5484d' }]
/** Changes per append call: one transaction each, as a busy server's turn would be. */
const BATCH = 1000

const dir = mkdtempSync(join(tmpdir(), 'cowrite-history-bench-'))
const path = join(dir, 'cowrite.db')
const storage = createSqliteStorage({ path })
const log = (line: string) => process.stdout.write(`${line}\n`)

/** A typist: mostly typing at the caret, sometimes a backspace, sometimes moving the caret. */
const doc = new Y.Doc()
const text = doc.getText('content')
let caret = 0
let pending: Uint8Array[] = []
doc.on('update', (update: Uint8Array) => pending.push(update))
function keystroke(): void {
  const roll = prng.int32(random, 0, 99)
  if (roll < 5 && caret > 0) {
    text.delete(--caret, 1)
  } else {
    if (roll < 8) caret = prng.int32(random, 0, text.length)
    text.insert(caret++, roll < 20 ? ' ' : String.fromCharCode(prng.int32(random, 97, 122)))
  }
}

/** Times between which the appends happened, to ask for instants inside them. */
const marks: number[] = []
const startedAt = Date.now()
let changes = 0
while (changes < total) {
  const batch: Array<RoomAppend['changes'][number]> = []
  for (let i = 0; i < BATCH && changes < total; i++, changes++) {
    keystroke()
    const author = AUTHORS[Math.floor(changes / 5000) % AUTHORS.length]!
    for (const update of pending) batch.push({ update, author })
    pending = []
  }
  await storage.append([{ room: ROOM, changes: batch, length: text.length, title: null }])
  // Turn the event loop as a server does between commits: checkpoints start on the next turn.
  await new Promise((resolve) => setImmediate(resolve))
  if (changes % 100_000 === 0) {
    marks.push(Date.now())
    await storage.history.recordVersion(ROOM, null)
  }
  if (changes % 200_000 === 0) log(`  ${changes.toLocaleString('en')} changes stored`)
}
marks.push(Date.now())
await storage.history.checkpoint(ROOM)
await storage.compactionsSettled()
const appendSeconds = (Date.now() - startedAt) / 1000

const sum = (sql: string) => (storage.db.prepare(sql).get() as { n: number | null }).n ?? 0
const changeBytes = sum('SELECT sum(length(data)) AS n FROM changes')
const checkpointBytes = sum('SELECT sum(length(data)) AS n FROM checkpoints')
const checkpointCount = sum('SELECT count(*) AS n FROM checkpoints')
const versionBytes = sum('SELECT sum(length(authors) + 40) AS n FROM versions')
storage.db.pragma('wal_checkpoint(TRUNCATE)')
// Pages freed by compacting the load path's log are reused by later writes; they are not history.
const freeBytes = (storage.db.pragma('freelist_count', { simple: true }) as number) * (storage.db.pragma('page_size', { simple: true }) as number)
const fileBytes = statSync(path).size - freeBytes
const documentBytes = Y.encodeStateAsUpdate(doc).byteLength
const per10k = (bytes: number) => ((bytes / changes) * 10_000) / 1024

log(`\nHistory in SQLite, ${changes.toLocaleString('en')} keystrokes as ${changes.toLocaleString('en')} stored changes (${appendSeconds.toFixed(1)} s to store)`)
log(`| what | total | per 10,000 keystrokes |`)
log(`| --- | --- | --- |`)
log(`| changes (update bytes) | ${(changeBytes / 1048576).toFixed(1)} MiB | ${per10k(changeBytes).toFixed(1)} KiB |`)
log(`| checkpoints (${checkpointCount}) | ${(checkpointBytes / 1048576).toFixed(1)} MiB | ${per10k(checkpointBytes).toFixed(1)} KiB |`)
log(`| versions | ${(versionBytes / 1024).toFixed(1)} KiB | ${per10k(versionBytes).toFixed(2)} KiB |`)
log(`| whole file in use (all tables and indexes, free pages left out) | ${(fileBytes / 1048576).toFixed(1)} MiB | ${per10k(fileBytes).toFixed(1)} KiB |`)
log(`| the document itself (one update) | ${(documentBytes / 1024).toFixed(1)} KiB | |`)

/** Read the text as it was at `at`, the way `GET …/text?at=` does. */
async function textAt(at: number): Promise<{ ms: number; replayed: number; length: number }> {
  const start = process.hrtime.bigint()
  const upto = await storage.history.changeAt(ROOM, at)
  const updates = await storage.history.stateAt(ROOM, upto)
  const scratch = new Y.Doc()
  scratch.transact(() => {
    for (const update of updates) Y.applyUpdate(scratch, update)
  })
  const length = scratch.getText('content').toString().length
  scratch.destroy()
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, replayed: updates.length, length }
}

const reads: Array<{ ms: number; replayed: number }> = []
for (let i = 0; i < 25; i++) {
  const at = prng.int32(random, startedAt, marks[marks.length - 1]!)
  reads.push(await textAt(at))
}
const sorted = reads.map((read) => read.ms).sort((a, b) => a - b)
const replayed = reads.map((read) => read.replayed).sort((a, b) => a - b)
log(`\nText at a random instant (25 reads): median ${sorted[12]!.toFixed(1)} ms, max ${sorted[24]!.toFixed(1)} ms; updates replayed per read: median ${replayed[12]}, max ${replayed[24]}`)

await storage.close()
doc.destroy()
rmSync(dir, { recursive: true, force: true })
