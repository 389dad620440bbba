/**
 * The stream as a browser's EventSource uses it (the `eventsource` package, same algorithm):
 * the server goes down and comes back on the same port and SQLite file, the EventSource
 * reconnects by itself with Last-Event-ID, and every event arrives exactly once, in order.
 */
import { join } from 'node:path'
import { EventSource } from 'eventsource'
import { describe, expect, it } from 'vitest'
import { decodeStreamEvent, type ActivityEvent } from '@cowrite/protocol'
import { createSqliteStorage } from '../src/storage/sqlite.js'
import { connectClient } from './helpers/client.js'
import { tempDir } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { startServer, type TestServer } from './helpers/server.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()

describe('EventSource across a restart', () => {
  it('reconnects with Last-Event-ID and sees every event exactly once', async () => {
    const path = join(tempDir(scope), 'cowrite.db')
    const start = (port: number) => startServer(scope, { port, storage: createSqliteStorage({ path }), activity: { joinWaitMs: 20 } })
    let server: TestServer = await start(0)
    const port = server.port

    const received: ActivityEvent[] = []
    const source = new EventSource(`${server.url}/api/rooms/restart/activity?tail=0`)
    scope.defer(() => source.close())
    for (const type of ['join', 'edit', 'leave'] as const) {
      source.addEventListener(type, (message) => received.push(decodeStreamEvent(type, message.data) as ActivityEvent))
    }
    let opens = 0
    source.addEventListener('open', () => opens++)
    await waitUntil('the EventSource is open', () => opens === 1)

    const visit = async (text: string) => {
      const client = await connectClient(scope, server.wsUrl, 'restart', { user: { name: 'Eve', color: '#aa00ff' } })
      client.text.insert(0, text)
      client.destroy()
    }
    await visit('before ')
    await waitUntil('three events before the restart', () => received.length === 3)

    await server.close()
    server = await start(port)
    await visit('after ')
    // EventSource waits the server's `retry: 2000` and reconnects by itself.
    await waitUntil('three more events after the restart', () => received.length === 6, { timeoutMs: 10_000 })
    expect(opens).toBe(2)

    const ids = received.map((e) => e.id)
    expect(new Set(ids).size).toBe(6)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect(received.map((e) => e.type)).toEqual(['join', 'edit', 'leave', 'join', 'edit', 'leave'])
    const stored = (await (await fetch(`${server.url}/api/rooms/restart/text`)).text())
    expect(stored).toBe('after before ')
  })
})
