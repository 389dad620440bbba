/**
 * Two servers in one process are strangers: no room, document, awareness or metric crosses
 * from one to the other.
 */
import { describe, expect, it } from 'vitest'
import { connectClient } from './helpers/client.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()

describe('two servers in one process', () => {
  it('do not share rooms, documents, presence or metrics', async () => {
    const one = await startServer(scope)
    const two = await startServer(scope)
    expect(one.port).not.toBe(two.port)
    const a = await connectClient(scope, one.wsUrl, 'same-name', { user: { name: 'A', color: '#f00' } })
    const b = await connectClient(scope, two.wsUrl, 'same-name', { user: { name: 'B', color: '#00f' } })
    a.text.insert(0, 'only on one')
    b.text.insert(0, 'only on two')
    await waitUntil('each server has its own text', async () => (await one.get('/api/rooms/same-name/text')).text === 'only on one' && (await two.get('/api/rooms/same-name/text')).text === 'only on two')
    // A third client on server one sees one's text and presence, none of two's.
    const c = await connectClient(scope, one.wsUrl, 'same-name')
    await waitUntil('c sees a', () => c.awareness.getStates().has(a.doc.clientID), { on: [[c.awareness, 'change']] })
    expect(c.text.toString()).toBe('only on one')
    expect(c.awareness.getStates().has(b.doc.clientID)).toBe(false)
    expect(a.text.toString()).toBe('only on one')
    expect(b.text.toString()).toBe('only on two')
    expect(await one.metric('cowrite_connections')).toBe(2)
    expect(await two.metric('cowrite_connections')).toBe(1)
    await two.close()
    expect((await one.get('/healthz')).status).toBe(200)
    expect((await one.get('/api/rooms/same-name/text')).text).toBe('only on one')
  })
})
