/**
 * SIGTERM: the server stores what it has applied, closes sockets with 1001, closes the database
 * (folding its WAL back into the main file) and exits 0; a restart on the same directory loses
 * nothing.
 */
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { connectClient } from './helpers/client.js'
import { startCowrite, tempDir } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { nextEvent, waitUntil } from './helpers/wait.js'

const scope = useScope()

describe('a server stopped with SIGTERM', () => {
  it('exits 0 with everything stored, and a restart serves all of it', async () => {
    const data = tempDir(scope)
    const first = await startCowrite(scope, ['--data', data])
    const writer = await connectClient(scope, first.wsUrl, 'notes')
    const reader = await connectClient(scope, first.wsUrl, 'notes')

    for (let i = 0; i < 300; i++) {
      writer.text.insert(writer.text.length, String(i % 10))
      if (i % 11 === 0) await nextTurn()
    }
    const confirmed = writer.text.toString()
    await waitUntil('the reader has the first 300 updates', () => reader.text.toString() === confirmed, {
      on: [[reader.doc, 'update']],
      timeoutMs: 10_000,
    })

    // A last burst, with the signal sent as soon as the server has applied it (its HTTP API
    // reports the new length), without waiting for anyone to receive it.
    for (let i = 0; i < 50; i++) writer.text.insert(writer.text.length, 'z')
    await waitUntil('the server has applied the burst', async () => {
      const response = await fetch(`${first.url}/api/rooms/notes`)
      return ((await response.json()) as { length: number }).length === 350
    })
    const readerClosed = nextEvent<[CloseEvent]>(reader.provider, 'connection-close', 10_000)
    first.child.kill('SIGTERM')

    expect(await first.exited).toEqual({ code: 0, signal: null })
    const [closeEvent] = await readerClosed
    expect(closeEvent.code).toBe(1001)
    // The database was closed cleanly: SQLite removes the WAL file on the last clean close.
    expect(existsSync(join(data, 'cowrite.db'))).toBe(true)
    expect(existsSync(join(data, 'cowrite.db-wal')) ? statSync(join(data, 'cowrite.db-wal')).size : 0).toBe(0)
    expect(first.stderr()).toContain('server closed')

    const seenByReader = Y.encodeStateAsUpdate(reader.doc)
    writer.destroy()
    reader.destroy()

    const second = await startCowrite(scope, ['--data', data])
    const fresh = await connectClient(scope, second.wsUrl, 'notes')
    const restored = fresh.text.toString()
    expect(restored.startsWith(confirmed)).toBe(true)
    // Everything the reader was ever sent is in the restored document.
    const check = new Y.Doc()
    Y.applyUpdate(check, Y.encodeStateAsUpdate(fresh.doc))
    const before = Y.encodeStateVector(check)
    Y.applyUpdate(check, seenByReader)
    expect(Y.encodeStateVector(check)).toEqual(before)
    check.destroy()
    expect(restored).toBe(confirmed + 'z'.repeat(50))
  })

  // Regression: the listening line was printed before the signal handlers were installed, so a
  // supervisor signalling at once (under load) killed the process with the default action.
  it('exits 0 even when signalled the moment it prints its listening line', async () => {
    const servers = await Promise.all(Array.from({ length: 6 }, () => startCowrite(scope, ['--data', tempDir(scope)])))
    for (const server of servers) server.child.kill('SIGTERM')
    const exits = await Promise.all(servers.map((server) => server.exited))
    expect(exits).toEqual(Array(6).fill({ code: 0, signal: null }))
  })

  it('exits 0 when no client ever connected, leaving a valid database behind', async () => {
    const data = join(tempDir(scope), 'fresh')
    const server = await startCowrite(scope, ['--data', data])
    server.child.kill('SIGTERM')
    expect(await server.exited).toEqual({ code: 0, signal: null })
    const again = await startCowrite(scope, ['--data', data])
    const client = await connectClient(scope, again.wsUrl, 'empty')
    expect(client.text.toString()).toBe('')
  })
})
