import { createServer as createHttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createServer } from '@cowrite/server'
import { waitUntil } from '@cowrite/testing'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { connectRoom, type RoomSession } from '../src/connect-room.js'
import { listPeers } from '../src/presence.js'

const silent = { logLevel: 'silent' }
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function session(url: string, room: string, name: string, token?: string): RoomSession {
  const s = connectRoom({
    url,
    room,
    token,
    user: { name, color: '#0090ff' },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    backoff: { baseMs: 50, maxMs: 200 },
    // Sessions in one process would otherwise talk over BroadcastChannel, around the server.
    crossTab: false,
  })
  cleanups.push(() => s.destroy())
  return s
}

describe('connectRoom against a real server', () => {
  it('two sessions sync text and report synced', async () => {
    const server = await createServer({ port: 0, ...silent })
    cleanups.push(() => server.close())
    const a = session(server.url, 'node-room', 'Ada')
    const b = session(server.url, 'node-room', 'Bob')
    await waitUntil('both are synced', () => a.state.status === 'synced' && b.state.status === 'synced')
    a.text.insert(0, 'hello ')
    b.text.insert(0, 'world')
    await waitUntil('the texts converge', () => a.text.toString() === b.text.toString() && a.text.length === 11)
    await waitUntil('each sees the other', () => listPeers(a).length === 2 && listPeers(b).length === 2)
    expect(listPeers(a).map((p) => [p.user.name, p.self])).toEqual([['Ada', true], ['Bob', false]])
  })

  it('after a server restart, reconnects, resyncs an edit made meanwhile, and sees the other user again at once', async () => {
    let server = await createServer({ port: 0, ...silent })
    const port = server.port
    cleanups.push(() => server.close())
    const a = session(server.url, 'restart-room', 'Ada')
    const b = session(server.url, 'restart-room', 'Bob')
    await waitUntil('both are synced', () => a.state.status === 'synced' && b.state.status === 'synced')
    await waitUntil('Bob sees Ada', () => listPeers(b).some((p) => p.user.name === 'Ada'))

    await server.close()
    await waitUntil('both are reconnecting', () => a.state.status !== 'synced' && b.state.status !== 'synced')
    expect(listPeers(b).some((p) => p.user.name === 'Ada')).toBe(false)
    a.text.insert(0, 'written while the server was down')

    server = await createServer({ port, ...silent })
    await waitUntil('both are synced again', () => a.state.status === 'synced' && b.state.status === 'synced')
    await waitUntil('the edit arrives', () => b.text.toString() === 'written while the server was down')
    // Ada's awareness clock did not change while the server was down: without forgetting the
    // remote meta, Bob would reject her re-announced state until her next 15 s renewal.
    await waitUntil('Ada is back in Bob\'s presence list', () => listPeers(b).some((p) => p.user.name === 'Ada'), { timeoutMs: 3000 })
  })

  it.each([401, 403])('a refused upgrade with %i on the API is reported as denied with the server’s reason, and retrying stops', async (status) => {
    let upgrades = 0
    const fake = createHttpServer((request, response) => {
      response.writeHead(status, { 'Content-Type': 'application/json' })
      response.end(JSON.stringify({ error: `refused ${request.url}` }))
    })
    fake.on('upgrade', (_request, socket) => {
      upgrades++
      socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    })
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => fake.close(resolve)))
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`
    const s = session(url, 'secret-room', 'Eve', 'not-a-valid-token')
    await waitUntil('the session is denied', () => s.state.status === 'denied')
    expect(s.state).toEqual({ status: 'denied', code: status, reason: 'refused /api/rooms/secret-room' })
    const seen = upgrades
    await new Promise((resolve) => setTimeout(resolve, 400)) // several backoff periods: no retry may happen
    expect(upgrades).toBe(seen)
  })

  it('an unreachable server is reconnecting, not denied', async () => {
    const probe = createHttpServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
    const s = session(`http://127.0.0.1:${port}`, 'nobody-home', 'Ada')
    await waitUntil('the session is reconnecting', () => s.state.status === 'reconnecting')
    const state = s.state
    expect(state.status === 'reconnecting' && state.retryAt).toBeGreaterThan(Date.now() - 1)
  })
})
