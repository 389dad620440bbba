/**
 * Shared frames write ws's underlying socket directly when ws's sender is idle, which reads ws's
 * private fields (sync/shared-frame.ts). This pins what they must look like in the ws version
 * the workspace installs: if an upgrade renames or changes them, this fails loudly (and the
 * server falls back to `ws.send`, slower but correct). Also: a socket whose internals do not fit
 * still gets every shared frame, through the public API.
 */
import { createRequire } from 'node:module'
import { once } from 'node:events'
import { WebSocket, WebSocketServer } from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { canWriteSharedFrames, shareFrame, writeSharedFrame } from '../src/sync/shared-frame.js'
import { waitUntil } from './helpers/wait.js'

const cleanup: Array<() => void> = []
afterEach(() => {
  for (const step of cleanup.splice(0)) step()
})

/** A connected pair on loopback: the server side, and a client collecting what it receives. */
async function pair(): Promise<{ server: WebSocket; received: Buffer[] }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false })
  await once(wss, 'listening')
  const { port } = wss.address() as { port: number }
  const connected = once(wss, 'connection') as Promise<[WebSocket]>
  const client = new WebSocket(`ws://127.0.0.1:${port}`)
  const received: Buffer[] = []
  client.on('message', (data: Buffer) => received.push(data))
  const [server] = await connected
  await once(client, 'open')
  cleanup.push(() => {
    client.terminate()
    wss.close()
  })
  return { server, received }
}

describe("ws's internals behind shared frames", () => {
  it('are as sync/shared-frame.ts expects in the installed ws', async () => {
    const version = (createRequire(import.meta.url)('ws/package.json') as { version: string }).version
    expect(version, 'shared-frame.ts was checked against ws 8').toMatch(/^8\./)
    const { server } = await pair()
    const internals = server as unknown as { _socket: { write: unknown }; _sender: { _state: unknown; _queue: unknown } }
    expect(typeof internals._socket.write).toBe('function')
    expect(internals._sender._state, "ws's sender is idle (DEFAULT = 0) between frames").toBe(0)
    expect(Array.isArray(internals._sender._queue)).toBe(true)
    expect(canWriteSharedFrames(server)).toBe(true)
  })

  it('deliver the same bytes written raw and, without those internals, through ws.send', async () => {
    const { server, received } = await pair()
    const messages = [3, 200, 70_000].map((size) => Uint8Array.from({ length: size }, (_, i) => i % 251))
    for (const message of messages) writeSharedFrame(server, shareFrame(message), canWriteSharedFrames(server))
    // The same socket seen through its public API only, as if a ws upgrade had changed its internals.
    const publicOnly = { send: server.send.bind(server) } as unknown as WebSocket
    expect(canWriteSharedFrames(publicOnly)).toBe(false)
    for (const message of messages) writeSharedFrame(publicOnly, shareFrame(message), canWriteSharedFrames(publicOnly))
    await waitUntil('the client has all six messages', () => received.length === 6)
    expect(received.map((data, i) => Buffer.compare(data, Buffer.from(messages[i % messages.length]!)))).toEqual([0, 0, 0, 0, 0, 0])
  })
})
