/**
 * `POST /api/rooms/<room>/share`: a link whose token the server signs for that one room, with
 * the asked role only if the caller's allows it, never outliving the caller's token, naming
 * nobody (so its holder's own name shows); the plain link with auth off; the origin the caller
 * used, a proxy's forwarded one included.
 */
import { describe, expect, it } from 'vitest'
import type { ShareResponse } from '@cowrite/protocol'
import { signToken, verifyToken } from '../src/auth/tokens.js'
import { connectClient } from './helpers/client.js'
import { useScope } from './helpers/scope.js'
import { startServer, type TestServer } from './helpers/server.js'
import { openSse } from './helpers/sse.js'

const scope = useScope()
const secret = 'share-secret'

function share(server: TestServer, room: string, body: unknown, token?: string, headers: Record<string, string> = {}) {
  return server.get(`/api/rooms/${room}/share`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(body),
  })
}

describe('share links', () => {
  it('sign a token for that room only, with the role asked, expiring no later than the caller’s', async () => {
    const server = await startServer(scope, { authSecret: secret })
    const admin = await signToken(secret, { sub: 'a', name: 'Ada', room: 'team-*', role: 'admin' }, 3 * 86_400)
    const answer = await share(server, 'team-notes', { role: 'edit', ttl: '12h' }, admin)
    expect(answer.status, answer.text).toBe(200)
    const body = answer.json<ShareResponse>()
    const url = new URL(body.url)
    expect(url.origin).toBe(server.url)
    expect(url.pathname).toBe('/r/team-notes')
    const claims = await verifyToken(secret, url.searchParams.get('token')!)
    // One room, not the caller's prefix; no name: whoever opens it names themselves.
    expect(claims).toMatchObject({ room: 'team-notes', role: 'edit' })
    expect(claims.name).toBeUndefined()
    expect(claims.sub).toMatch(/^share:/)
    expect(claims.exp * 1000 - Date.now()).toBeGreaterThan(11.9 * 3_600_000)
    expect(claims.exp * 1000 - Date.now()).toBeLessThanOrEqual(12 * 3_600_000)
    expect(Date.parse(body.expiresAt!)).toBe(claims.exp * 1000)

    // Capped at the caller's own expiry.
    const brief = await signToken(secret, { sub: 'b', name: 'Bob', room: 'team-notes', role: 'edit' }, 600)
    const capped = await verifyToken(secret, new URL((await share(server, 'team-notes', { role: 'view', ttl: '7d' }, brief)).json<ShareResponse>().url).searchParams.get('token')!)
    const briefExp = (await verifyToken(secret, brief)).exp
    expect(capped.exp).toBeLessThanOrEqual(briefExp)
    expect(capped.role).toBe('view')
  })

  it('refuse a higher role, another room, a bad body, and no token', async () => {
    const server = await startServer(scope, { authSecret: secret })
    const viewer = await signToken(secret, { sub: 'v', name: 'Vi', room: 'r', role: 'view' }, 3600)
    const refusals: Array<[string, Promise<{ status: number; text: string }>, number, RegExp]> = [
      ['a view token asking for an edit link', share(server, 'r', { role: 'edit' }, viewer), 403, /view token cannot share edit links/],
      ['another room', share(server, 'other', { role: 'view' }, viewer), 403, /does not cover room other/],
      ['an unknown role', share(server, 'r', { role: 'admin' }, viewer), 400, /role must be/],
      ['a bad ttl', share(server, 'r', { role: 'view', ttl: 'forever' }, viewer), 400, /Invalid TTL/],
      ['no token', share(server, 'r', { role: 'view' }), 401, /token required/],
    ]
    for (const [label, answer, status, reason] of refusals) {
      const { status: actual, text } = await answer
      expect(actual, `${label}: ${text}`).toBe(status)
      expect(JSON.parse(text).error, label).toMatch(reason)
    }
    // A view token may share a view link.
    expect((await share(server, 'r', { role: 'view' }, viewer)).status).toBe(200)
  })

  it('give the plain link with auth off, at the origin a proxy forwarded', async () => {
    const server = await startServer(scope)
    const answer = (await share(server, 'open-room', { role: 'edit' }, undefined, { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'docs.example.org' })).json<ShareResponse>()
    expect(answer).toEqual({ url: 'https://docs.example.org/r/open-room', role: 'edit', expiresAt: null })
  })

  it('name nobody: the holder of a shared link appears under their own awareness name', async () => {
    const server = await startServer(scope, { authSecret: secret, activity: { joinWaitMs: 2000 } })
    const owner = await signToken(secret, { sub: 'o', name: 'Owner', room: 'shared', role: 'edit' }, 3600)
    const token = new URL((await share(server, 'shared', { role: 'edit' }, owner)).json<ShareResponse>().url).searchParams.get('token')!
    const stream = await openSse(scope, `${server.url}/api/rooms/shared/activity?token=${encodeURIComponent(owner)}`)
    const guest = await connectClient(scope, server.wsUrl, 'shared', { params: { token }, user: { name: 'Grace', color: '#ffb224' } })
    guest.text.insert(0, 'hello')
    const events = await stream.waitFor('the join and the edit', (all) => all.some((event) => event.type === 'edit'))
    for (const event of events.filter((one) => one.type === 'join' || one.type === 'edit')) {
      expect((event as { user: unknown }).user).toEqual({ name: 'Grace', color: '#ffb224' })
    }
  })
})
