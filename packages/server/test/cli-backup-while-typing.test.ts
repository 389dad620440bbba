/**
 * `cowrite backup FILE` against a real `cowrite serve` process while a stock client types: the
 * copy opens as a store and holds everything a reader had received before the backup began (its
 * state includes the reader's, so its text extends the reader's), and restoring it (the file put
 * back as `<data>/cowrite.db` of a stopped server) serves that text. A PostgreSQL store is
 * pointed to pg_dump (exit 2); an existing FILE is refused; `--help` answers.
 */
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { CONTENT } from '@cowrite/protocol'
import { createSqliteStorage } from '../src/storage/sqlite.js'
import { connectClient } from './helpers/client.js'
import { runCowrite, startCowrite, tempDir } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()

describe('cowrite backup', () => {
  it('copies the store consistently while a client types, including everything a reader had, and the copy restores', async () => {
    const data = tempDir(scope)
    const server = await startCowrite(scope, ['--data', data])
    const ada = await connectClient(scope, server.wsUrl, 'journal')
    let typing = true
    let lines = 0
    const typed = (async () => {
      while (typing) {
        ada.text.insert(ada.text.length, `line ${lines++} — ünïcode ✓\n`)
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
    })()
    await waitUntil('some typing is stored', async () => (await (await fetch(`${server.url}/api/rooms/journal/text`)).text()).length > 2000)

    // What a reader has received just before the backup begins: the stored state and text.
    const seenState = new Uint8Array(await (await fetch(`${server.url}/api/rooms/journal/update`)).arrayBuffer())
    const seenText = await (await fetch(`${server.url}/api/rooms/journal/text`)).text()
    const file = join(tempDir(scope), 'backup.db')
    const started = Date.now()
    const result = await runCowrite(['backup', file, '--data', data], 30_000)
    const took = Date.now() - started
    typing = false
    await typed
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^backed up .*cowrite\.db to .*backup\.db \(\d+ bytes in \d+ ms\)\n$/)
    expect(lines, 'typing went on during the backup').toBeGreaterThan(0)
    console.info(`backup under typing: ${statSync(file).size} bytes in ${took} ms (command and process start included), ${lines} lines typed`)

    const copy = createSqliteStorage({ path: file })
    const doc = new Y.Doc()
    try {
      for (const update of await copy.load('journal')) Y.applyUpdate(doc, update)
    } finally {
      await copy.close()
    }
    const backedUp = doc.getText(CONTENT).toString()
    expect(backedUp.startsWith(seenText), 'the copy extends what the reader saw').toBe(true)
    // The reader's whole state is inside the copy's: applying it changes nothing.
    const before = Y.encodeStateVector(doc)
    Y.applyUpdate(doc, seenState)
    expect(Y.encodeStateVector(doc)).toEqual(before)
    expect(doc.getText(CONTENT).toString()).toBe(backedUp)
    doc.destroy()

    // Restore: a stopped server's data directory gets the file back as cowrite.db.
    const restored = join(tempDir(scope), 'data')
    mkdirSync(restored)
    copyFileSync(file, join(restored, 'cowrite.db'))
    const again = await startCowrite(scope, ['--data', restored])
    expect(await (await fetch(`${again.url}/api/rooms/journal/text`)).text()).toBe(backedUp)
  })

  it('refuses an existing FILE, points PostgreSQL to pg_dump, and answers --help', async () => {
    const data = tempDir(scope)
    const server = await startCowrite(scope, ['--data', data])
    await fetch(`${server.url}/api/rooms/a/text`, { method: 'PUT', body: 'x', headers: { 'Content-Type': 'text/plain' } })
    const file = join(tempDir(scope), 'taken.db')
    expect((await runCowrite(['backup', file, '--data', data])).code).toBe(0)
    const twice = await runCowrite(['backup', file, '--data', data])
    expect(twice.code).toBe(1)
    expect(twice.stderr).toMatch(/exists already/)

    const postgres = await runCowrite(['backup', 'x.dump', '--storage', 'postgres://cowrite@127.0.0.1:1/cowrite'])
    expect(postgres.code).toBe(2)
    expect(postgres.stderr).toMatch(/pg_dump/)
    expect(existsSync('x.dump')).toBe(false)

    const help = await runCowrite(['backup', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: cowrite backup FILE/)
    expect(help.stdout).toMatch(/Restore: stop the server/)
  })
})
