/**
 * Awareness comes from clients, so the server bounds it. Regressions: one socket could announce
 * any number of client ids (memory grew with them, and a newcomer's initial awareness message
 * could pass the frame limit); a 1 MiB `user.name` was copied into every activity event and room
 * summary; and one socket flooding awareness got innocent stock clients closed with 1008,
 * because the stock client re-sends every awareness update it receives.
 */
import { WebSocket } from 'ws'
import { describe, expect, it } from 'vitest'
import { MAX_USER_NAME_LENGTH } from '@cowrite/protocol'
import { connectClient, seenIds } from './helpers/client.js'
import { awarenessFrame } from './helpers/frames.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { openSse } from './helpers/sse.js'
import { closed, openSocket } from './helpers/sockets.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()

function userState(name: string): string {
  return JSON.stringify({ user: { name, color: '#30bced' } })
}

describe('awareness bounds', () => {
  it('closes a socket announcing 100,000 client ids with 1008, keeping none of them', async () => {
    const server = await startServer(scope)
    const ada = await connectClient(scope, server.wsUrl, 'ids', { user: { name: 'Ada', color: '#f00' } })
    const socket = await openSocket(scope, server.wsUrl, 'ids')
    const entries = Array.from({ length: 100_000 }, (_, i) => ({ clientID: 1_000_000 + i, clock: 1, json: userState(`bot ${i}`) }))
    socket.send(awarenessFrame(entries))
    const close = await closed(socket)
    expect(close).toEqual({ code: 1008, reason: 'too many awareness client ids' })
    expect(server.logs.matching('too many awareness client ids')[0]).toMatchObject({ room: 'ids', code: 1008, limit: 8 })
    expect(await server.metric('cowrite_errors_total{kind="awareness-limit"}')).toBe(1)

    // Nothing of it was applied: a newcomer sees only Ada, and Ada never left.
    const bob = await connectClient(scope, server.wsUrl, 'ids', { user: { name: 'Bob', color: '#00f' } })
    await waitUntil('Bob sees Ada and himself only', () => seenIds(bob).length === 2, { on: [[bob.awareness, 'change']] })
    expect(seenIds(bob)).toEqual([ada.doc.clientID, bob.doc.clientID].sort((a, b) => a - b))
    expect(ada.provider.wsconnected).toBe(true)
    const { json } = await server.get('/api/rooms/ids')
    expect(json<{ users: Array<{ name: string }> }>().users.map((user) => user.name).sort()).toEqual(['Ada', 'Bob'])
  })

  it('counts ids across messages: the ninth new id closes the socket', async () => {
    const server = await startServer(scope)
    const socket = await openSocket(scope, server.wsUrl, 'one-by-one')
    for (let i = 0; i < 8; i++) socket.send(awarenessFrame([{ clientID: 500 + i, clock: 1, json: userState(`tab ${i}`) }]))
    // Renewing an id it already owns claims nothing new.
    socket.send(awarenessFrame([{ clientID: 500, clock: 2, json: userState('tab 0 renamed') }]))
    await waitUntil('eight users are present', async () => (await server.get('/api/rooms/one-by-one')).json<{ users: unknown[] }>().users.length === 8)
    expect(socket.readyState).toBe(WebSocket.OPEN)
    socket.send(awarenessFrame([{ clientID: 600, clock: 1, json: userState('one too many') }]))
    expect((await closed(socket)).code).toBe(1008)
    // Its states go with it, like any closed socket's.
    await waitUntil('its users are gone', async () => (await server.get('/api/rooms/one-by-one')).json<{ users: unknown[] }>().users.length === 0)
  })

  it('closes a socket whose state passes the size limit with 1009, and caps names in activity and REST', async () => {
    const server = await startServer(scope)
    const stream = await openSse(scope, `${server.url}/api/rooms/names/activity`)
    const huge = await openSocket(scope, server.wsUrl, 'names')
    huge.send(awarenessFrame([{ clientID: 42, clock: 1, json: userState('x'.repeat(1024 * 1024)) }]))
    expect(await closed(huge)).toEqual({ code: 1009, reason: 'awareness state too big' })

    // Under the state limit, a long name is cut where it enters: the same in every event and answer.
    const long = 'Ada Lovelace '.repeat(100)
    const ada = await connectClient(scope, server.wsUrl, 'names', { user: { name: long, color: '#f00' } })
    const joins = await stream.waitFor('a join with a user', (events) => events.some((event) => event.type === 'join' && event.user !== null))
    const joined = joins.find((event) => event.type === 'join' && event.user !== null)!
    const name = (joined as { user: { name: string } }).user.name
    expect([...name].length).toBeLessThanOrEqual(MAX_USER_NAME_LENGTH)
    expect(long.startsWith(name)).toBe(true)
    ada.text.insert(0, 'hello')
    const events = await stream.waitFor('an edit', (all) => all.some((event) => event.type === 'edit'))
    expect((events.find((event) => event.type === 'edit') as { user: { name: string } }).user.name).toBe(name)
    const { json } = await server.get('/api/rooms/names')
    expect(json<{ users: Array<{ name: string }> }>().users.map((user) => user.name)).toEqual([name])
  })

  it('lets no flood get innocent stock clients closed for echoing it', async () => {
    // Five sockets each flooding awareness just under the rate limit are within their rights;
    // but the stock client re-sends every awareness update it receives, so unshaped relaying made
    // Ada and Bob echo all five floods at once, five times the limit, and closed them with 1008.
    // A low limit and grace make that show within seconds.
    const server = await startServer(scope, { rateLimit: 100, rateLimitGraceMs: 1_000 })
    const ada = await connectClient(scope, server.wsUrl, 'flood', { user: { name: 'Ada', color: '#f00' } })
    const bob = await connectClient(scope, server.wsUrl, 'flood', { user: { name: 'Bob', color: '#00f' } })
    const flooders = await Promise.all(Array.from({ length: 5 }, () => openSocket(scope, server.wsUrl, 'flood')))

    // About 80 updates/s per flooder for 6 s.
    const until = performance.now() + 6_000
    let clock = 0
    while (performance.now() < until && ada.provider.wsconnected && bob.provider.wsconnected) {
      clock++
      // Staggered, so the server reads each in a turn of its own, as from five machines.
      for (const [i, flooder] of flooders.entries()) {
        flooder.send(awarenessFrame([{ clientID: 9000 + i, clock, json: JSON.stringify({ user: { name: `Flood ${i}`, color: '#000' }, n: clock }) }]))
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
    }
    expect(server.logs.matching('rate limit exceeded'), `after ${clock} updates per flooder`).toEqual([])
    expect(ada.provider.wsconnected && bob.provider.wsconnected).toBe(true)
    expect(flooders.every((flooder) => flooder.readyState === WebSocket.OPEN)).toBe(true)
    // Shaped, not lost: the last state of every flood arrives, and Ada and Bob still see each other move.
    await waitUntil('Bob has every flooder\'s last state', () =>
      flooders.every((_, i) => (bob.awareness.getStates().get(9000 + i) as { n?: number } | undefined)?.n === clock), { on: [[bob.awareness, 'change']] })
    ada.awareness.setLocalStateField('cursor', { moved: true })
    await waitUntil('Bob sees Ada move', () => (bob.awareness.getStates().get(ada.doc.clientID) as { cursor?: unknown } | undefined)?.cursor !== undefined, {
      on: [[bob.awareness, 'change']],
    })
  })
})
