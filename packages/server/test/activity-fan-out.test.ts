/**
 * Many subscribers: a thousand streams of one room all receive an event; a subscriber that
 * stops reading is dropped once what waits for it passes the limit, while a reading one carries on
 * and a dropped one resumes from its Last-Event-ID without losing anything.
 */
import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import { connectClient } from './helpers/client.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { openSse, type SseStream } from './helpers/sse.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()

describe('activity fan-out', () => {
  it('delivers an event to 1,000 concurrent subscribers of one room', async () => {
    const server = await startServer(scope)
    const streams: SseStream[] = []
    for (let batch = 0; batch < 10; batch++) {
      streams.push(...(await Promise.all(Array.from({ length: 100 }, () => openSse(scope, `${server.url}/api/rooms/crowd/activity`)))))
    }
    expect(await server.metric('cowrite_sse_subscribers')).toBe(1000)
    await connectClient(scope, server.wsUrl, 'crowd', { user: { name: 'Lin', color: '#00aa88' } })
    await waitUntil('every subscriber has the join', () => streams.every((s) => s.events().some((e) => e.type === 'join')), { timeoutMs: 15_000 })
    const ids = new Set(streams.map((s) => s.messages.find((m) => m.event === 'join')!.id))
    expect(ids.size).toBe(1)
  })

  it('drops a subscriber that stopped reading, keeps a reading one, and the dropped one resumes losslessly', async () => {
    const server = await startServer(scope, { sseBufferLimit: 512 * 1024 })
    const fast = await openSse(scope, `${server.url}/api/rooms/busy/activity?tail=0`)
    // A live replica that never reads: its socket is paused right after the headers. Its stream
    // carries the document's updates too, so large edits fill the kernel's socket buffers quickly.
    const slowRequest = request(`${server.url}/api/rooms/busy/activity?tail=0&doc=1`, { agent: false })
    const slowClosed = new Promise<void>((resolve) => slowRequest.on('close', () => resolve()))
    slowRequest.on('response', (response) => {
      response.once('data', () => response.socket.pause())
    })
    slowRequest.on('error', () => {})
    slowRequest.end()
    scope.defer(() => slowRequest.destroy())
    await waitUntil('two subscribers', async () => (await server.metric('cowrite_sse_subscribers')) === 2)

    // Each visit stores join, edit and leave, and makes a 64 KiB edit.
    let visits = 0
    const chunk = 'y'.repeat(64 * 1024)
    while ((await server.metric('cowrite_sse_dropped_total')) === 0 && visits < 200) {
      const client = await connectClient(scope, server.wsUrl, 'busy', { user: { name: 'Visitor', color: '#000000' } })
      client.text.insert(0, chunk)
      client.destroy()
      visits++
    }
    expect(await server.metric('cowrite_sse_dropped_total')).toBe(1)
    // Once it reads again, it finds its stream closed by the server.
    slowRequest.socket!.resume()
    await slowClosed
    expect(server.logs.matching('dropping SSE subscriber')).toHaveLength(1)

    // The reading subscriber got everything.
    const stored = await fast.waitFor('every leave', (events) => events.filter((e) => e.type === 'leave').length === visits, 15_000)
    expect(stored.filter((e) => e.type === 'join')).toHaveLength(visits)

    // The dropped one resumes from where it stopped (before the first event) and gets them all.
    const firstId = (stored[0] as { id: number }).id
    const resumed = await openSse(scope, `${server.url}/api/rooms/busy/activity`, { 'Last-Event-ID': String(firstId - 1) })
    const replayed = await resumed.waitFor('the full replay', (events) => events.filter((e) => e.type === 'leave').length === visits, 15_000)
    expect(replayed.map((e) => ('id' in e ? e.id : null))).toEqual(stored.map((e) => ('id' in e ? e.id : null)))
  })
})
