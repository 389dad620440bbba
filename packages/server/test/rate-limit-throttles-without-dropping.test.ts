/**
 * Above `rateLimit` messages per second (burst 10x) the server stops reading the socket for a
 * while (TCP backpressure) and drops nothing: every message is applied, in order, just later.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { WebSocket } from 'ws'
import { connectClient } from './helpers/client.js'
import { updateFrame } from './helpers/frames.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { openSocket } from './helpers/sockets.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()

describe('rate limit', () => {
  it('throttles reading above the limit but applies every message, in order', async () => {
    const rate = 100
    // The burst, then three seconds' worth: about 300 KB, several socket reads (ws delivers every
    // frame of a read even after pause(), so throttling shows only across reads).
    const messages = rate * 10 + 300
    const server = await startServer(scope, { rateLimit: rate })
    const observer = await connectClient(scope, server.wsUrl, 'throttle')
    const socket = await openSocket(scope, server.wsUrl, 'throttle')

    const scratch = new Y.Doc()
    const frames: Uint8Array[] = []
    scratch.on('update', (update: Uint8Array) => frames.push(updateFrame(update)))
    const text = scratch.getText('content')
    for (let i = 0; i < messages; i++) text.insert(text.length, String.fromCharCode(97 + (i % 26)).repeat(200))
    const expected = text.toString()
    scratch.destroy()

    for (const frame of frames) socket.send(frame)
    await waitUntil('the observer has every update', () => observer.text.length === expected.length, { on: [[observer.doc, 'update']], timeoutMs: 15_000 })
    expect(observer.text.toString()).toBe(expected)
    // 300 messages past the burst at 100/s: the server must have stopped reading at least once.
    expect(await server.metric('cowrite_throttled_total')).toBeGreaterThan(0)
    expect(socket.readyState).toBe(WebSocket.OPEN)
    expect(server.logs.matching('closing connection')).toEqual([])
  })

})
