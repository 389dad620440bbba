/**
 * `GET /api/rooms/<room>/text` answers with what is stored. Regression: while a room's writes
 * were failing it served the applied but unstored state, text a crash would lose (the SSE
 * snapshot already waited for storage). Once storage recovers, the held edit is stored and served.
 */
import { describe, expect, it } from 'vitest'
import { createMemoryStorage, type Storage } from '../src/index.js'
import { connectClient } from './helpers/client.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { nextEvent, waitUntil } from './helpers/wait.js'

const scope = useScope()

describe('the text route', () => {
  it('serves the stored text while writes fail, and the whole text once they recover', async () => {
    const inner = createMemoryStorage()
    let failing = false
    const storage: Storage = {
      ...inner,
      async append(batch) {
        if (failing) throw new Error('EIO: i/o error (simulated)')
        return inner.append(batch)
      },
    }
    const server = await startServer(scope, { storage })
    const writer = await connectClient(scope, server.wsUrl, 'held')
    writer.text.insert(0, 'stored')
    await waitUntil('the first edit is stored', async () => (await server.get('/api/rooms/held/text')).text === 'stored')

    failing = true
    const writerClosed = nextEvent<[CloseEvent]>(writer.provider, 'connection-close')
    writer.text.insert(6, ' and held')
    expect((await writerClosed)[0].code).toBe(1011)
    const { json } = await server.get('/api/rooms/held')
    expect(json<{ length: number }>().length).toBe('stored and held'.length)
    expect((await server.get('/api/rooms/held/text')).text).toBe('stored')

    failing = false
    await waitUntil('the held edit is stored and served', async () => (await server.get('/api/rooms/held/text')).text === 'stored and held', { timeoutMs: 10_000 })
  })
})
