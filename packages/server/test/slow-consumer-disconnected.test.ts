/**
 * A client that stops reading cannot make the server buffer without bound: once its unsent
 * bytes pass `sendBufferLimit` it is dropped (1013) and logged, while the clients that do read
 * keep receiving every update.
 */
import { describe, expect, it } from 'vitest'
import { connectClient } from './helpers/client.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { rawUpgrade, readServerFrames } from './helpers/sockets.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()
const SEND_BUFFER_LIMIT = 256 * 1024
const CHUNK = 'z'.repeat(64 * 1024)
/** Far more than loopback's kernel buffers can hide, but bounded. Chunks are large because
 * appending to one long merged string costs yjs O(length) per insert. */
const MAX_FLOOD_BYTES = 48 * 1024 * 1024

describe('slow consumer', () => {
  it('is disconnected once its send buffer passes the limit; readers are unaffected', async () => {
    const server = await startServer(scope, { sendBufferLimit: SEND_BUFFER_LIMIT })
    const room = 'flood'
    const flooder = await connectClient(scope, server.wsUrl, room)
    const reader = await connectClient(scope, server.wsUrl, room)
    const { socket: slow, status, rest } = await rawUpgrade(scope, server.url, `/${room}`, { pauseAfter: true })
    expect(status).toBe(101)
    await waitUntil('three connections', async () => (await server.metric('cowrite_connections')) === 3)
    const rssBefore = process.memoryUsage().rss

    let flooded = 0
    while (flooded < MAX_FLOOD_BYTES && server.logs.matching('send buffer overflow').length === 0) {
      flooder.text.insert(flooder.text.length, CHUNK)
      flooded += CHUNK.length
      // One insert per event-loop turn, so every relayed message stays far below the limit.
      await new Promise((resolve) => setImmediate(resolve))
    }
    const logged = server.logs.matching('send buffer overflow')
    expect(logged, `nothing dropped after ${flooded} bytes`).toHaveLength(1)
    expect(logged[0]).toMatchObject({ room, code: 1013 })
    expect(logged[0]!.buffered as number).toBeLessThanOrEqual(SEND_BUFFER_LIMIT)
    expect(await server.metric('cowrite_errors_total{kind="send-buffer-overflow"}')).toBe(1)
    await waitUntil('the slow socket is detached', async () => (await server.metric('cowrite_connections')) === 2)

    // The readers got everything and were never dropped.
    await waitUntil('the reader has every chunk', () => reader.text.length === flooder.text.length, { on: [[reader.doc, 'update']], timeoutMs: 10_000 })
    expect(reader.text.toString()).toBe(flooder.text.toString())
    expect(reader.provider.wsconnected && flooder.provider.wsconnected).toBe(true)
    expect(server.logs.matching('closing connection')).toHaveLength(1)

    // The dropped client finds its connection gone once it reads again (it would resync).
    const frames = readServerFrames(slow, rest)
    slow.resume()
    expect([1013, 1006]).toContain(await frames.closeCode(5_000))
    // Loose: the server buffered at most the limit for it, not the flood (clients share this process).
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(Math.max(256 * 1024 * 1024, flooded * 8))
  })
})
