/**
 * `connectRoom({ getToken })` (design.md "Client notes"): a token that expires while the session
 * is open is replaced by a fresh one from `getToken` when the server closes with 4401, without a
 * reload; every edit made around the switch, on either side, arrives. Without `getToken` the same
 * expiry ends in `denied`. Against a real server with auth on, tokens minted by `cowrite token`.
 */
import { execFileSync } from 'node:child_process'
import { createServer } from '@cowrite/server'
import { COWRITE_BIN, waitUntil } from '@cowrite/testing'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { connectRoom, type ConnectRoomOptions, type RoomSession } from '../src/connect-room.js'
import type { ConnectionState } from '../src/connection-state.js'

const SECRET = 'refresh-secret'
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A token from `cowrite token`, for `ttlSeconds`. */
function mint(name: string, ttlSeconds: number): string {
  return execFileSync(process.execPath, [COWRITE_BIN, 'token', '--room', 'refresh', '--role', 'edit', '--name', name, '--ttl', String(ttlSeconds), '--auth-secret', SECRET], {
    encoding: 'utf8',
  }).trim()
}

function session(url: string, name: string, options: Partial<ConnectRoomOptions>): RoomSession & { states: ConnectionState[] } {
  const s = connectRoom({
    url,
    room: 'refresh',
    user: { name, color: '#0090ff' },
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    backoff: { baseMs: 50, maxMs: 200 },
    crossTab: false,
    offlineCopy: false,
    ...options,
  })
  const states: ConnectionState[] = []
  s.onState((state) => states.push(state))
  cleanups.push(() => s.destroy())
  return Object.assign(s, { states })
}

describe('token refresh', () => {
  it('replaces an expiring token through getToken, and every edit around the switch arrives', async () => {
    const server = await createServer({ port: 0, logLevel: 'silent', authSecret: SECRET })
    cleanups.push(() => server.close())
    const bob = session(server.url, 'Bob', { token: mint('Bob', 3600) })
    const minted: string[] = []
    // The first token lives 2 seconds; each one after it an hour.
    const ada = session(server.url, 'Ada', {
      getToken: () => {
        const token = mint('Ada', minted.length === 0 ? 2 : 3600)
        minted.push(token)
        return token
      },
    })
    await waitUntil('both are synced', () => ada.state.status === 'synced' && bob.state.status === 'synced', { timeoutMs: 10_000 })
    expect(minted).toHaveLength(1)
    let typed = 0
    const typing = setInterval(() => {
      ada.text.insert(ada.text.length, 'a')
      bob.text.insert(0, 'b')
      typed++
    }, 20)
    cleanups.push(() => clearInterval(typing))
    await waitUntil('the server closed the expired token and Ada got a second one', () => minted.length === 2, { timeoutMs: 10_000 })
    await waitUntil('Ada is synced again', () => ada.state.status === 'synced', { timeoutMs: 10_000 })
    const more = typed + 10
    await waitUntil('a few more edits', () => typed >= more, { timeoutMs: 5_000 })
    clearInterval(typing)
    await waitUntil('both have every edit', () => ada.text.toString() === bob.text.toString() && ada.text.length === typed * 2, { timeoutMs: 10_000 })
    expect(ada.states.some((state) => state.status === 'denied')).toBe(false)
    expect(ada.token).toBe(minted[1])
  })

  it('without getToken, the same expiry ends in denied (401)', async () => {
    const server = await createServer({ port: 0, logLevel: 'silent', authSecret: SECRET })
    cleanups.push(() => server.close())
    const ada = session(server.url, 'Ada', { token: mint('Ada', 2) })
    await waitUntil('synced', () => ada.state.status === 'synced', { timeoutMs: 10_000 })
    await waitUntil('denied once the token expires', () => ada.state.status === 'denied', { timeoutMs: 10_000 })
    expect(ada.state).toMatchObject({ status: 'denied', code: 401 })
  })
})
