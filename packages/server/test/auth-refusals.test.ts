/**
 * With a secret, every door checks the token: the WebSocket upgrade (refused before any
 * WebSocket exists), the REST routes and both SSE routes, from `?token=` or `Authorization:
 * Bearer`. Missing, forged and expired tokens get 401, a token for another room 403, each with
 * a JSON reason; a browser from an origin not allowed gets 403.
 */
import { SignJWT } from 'jose'
import { WebSocket } from 'ws'
import { describe, expect, it } from 'vitest'
import { signToken } from '../src/auth/tokens.js'
import { useScope } from './helpers/scope.js'
import { startServer, type TestServer } from './helpers/server.js'
import { nextEvent } from './helpers/wait.js'

const scope = useScope()
const SECRET = 'correct horse battery staple'

/** Try a WebSocket upgrade; resolve with the HTTP status and JSON body of a refusal, or 101. */
async function upgrade(server: TestServer, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: { error?: string } }> {
  const socket = new WebSocket(`${server.wsUrl}${path}`, { headers })
  scope.defer(() => socket.terminate())
  socket.on('error', () => {})
  const outcome = await Promise.race([
    nextEvent<[unknown, import('node:http').IncomingMessage]>(socket, 'unexpected-response').then(async ([, response]) => {
      let text = ''
      for await (const chunk of response) text += chunk
      return { status: response.statusCode ?? 0, body: JSON.parse(text) as { error?: string } }
    }),
    nextEvent(socket, 'open').then(() => ({ status: 101, body: {} })),
  ])
  return outcome
}

async function expired(): Promise<string> {
  return new SignJWT({ name: 'Old', room: 'doc', role: 'edit' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('old')
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .sign(new TextEncoder().encode(SECRET))
}

describe('auth refusals', () => {
  it('refuses upgrades without a valid token for the room, before any WebSocket exists', async () => {
    const server = await startServer(scope, { authSecret: SECRET })
    const good = await signToken(SECRET, { sub: 'ada', name: 'Ada', room: 'doc', role: 'edit' }, 60)
    const forged = await signToken('another secret', { sub: 'ada', name: 'Ada', room: 'doc', role: 'edit' }, 60)
    const other = await signToken(SECRET, { sub: 'ada', name: 'Ada', room: 'elsewhere', role: 'edit' }, 60)

    expect(await upgrade(server, '/doc')).toEqual({ status: 401, body: { error: 'token required' } })
    expect(await upgrade(server, `/doc?token=${forged}`)).toEqual({ status: 401, body: { error: 'token invalid' } })
    expect(await upgrade(server, `/doc?token=${await expired()}`)).toEqual({ status: 401, body: { error: 'token expired' } })
    expect(await upgrade(server, '/doc?token=not.a.jwt')).toEqual({ status: 401, body: { error: 'token invalid' } })
    expect(await upgrade(server, `/doc?token=${other}`)).toEqual({ status: 403, body: { error: 'token does not cover room doc' } })
    expect((await upgrade(server, `/doc?token=${good}`)).status).toBe(101)
    expect(await server.metric('cowrite_errors_total{kind="unauthorized"}')).toBe(4)
    expect(await server.metric('cowrite_errors_total{kind="forbidden"}')).toBe(1)
    // Logged with the room and reason, never with the token.
    const refusals = server.logs.matching('upgrade refused')
    expect(refusals.map((line) => line.reason)).toContain('token expired')
    expect(JSON.stringify(server.logs.lines)).not.toContain(good)
  })

  it('covers rooms by prefix and by *', async () => {
    const server = await startServer(scope, { authSecret: SECRET })
    const team = await signToken(SECRET, { sub: 'a', name: 'A', room: 'team-*', role: 'edit' }, 60)
    const all = await signToken(SECRET, { sub: 'b', name: 'B', room: '*', role: 'view' }, 60)
    expect((await upgrade(server, `/team-notes?token=${team}`)).status).toBe(101)
    expect((await upgrade(server, `/team?token=${team}`)).status).toBe(403)
    expect((await upgrade(server, `/personal?token=${team}`)).status).toBe(403)
    expect((await upgrade(server, `/anything?token=${all}`)).status).toBe(101)
  })

  it('checks REST and SSE routes with a header or query token, and filters lists by coverage', async () => {
    const server = await startServer(scope, { authSecret: SECRET })
    const team = await signToken(SECRET, { sub: 'a', name: 'A', room: 'team-*', role: 'view' }, 60)
    const admin = await signToken(SECRET, { sub: 'root', name: 'Root', room: '*', role: 'edit' }, 60)
    // Make two rooms exist.
    expect((await upgrade(server, `/team-a?token=${admin}`)).status).toBe(101)
    expect((await upgrade(server, `/private?token=${admin}`)).status).toBe(101)

    for (const path of ['/api/rooms', '/api/rooms/team-a', '/api/rooms/team-a/text', '/api/activity', '/api/rooms/team-a/activity']) {
      const missing = await fetch(`${server.url}${path}`)
      expect(missing.status, path).toBe(401)
      expect(await missing.json(), path).toEqual({ error: 'token required' })
      const viaHeader = await fetch(`${server.url}${path}`, { headers: { Authorization: `Bearer ${team}` } })
      expect(viaHeader.status, path).toBe(200)
      await viaHeader.body?.cancel()
      const viaQuery = await fetch(`${server.url}${path}${path.includes('?') ? '&' : '?'}token=${team}`)
      expect(viaQuery.status, path).toBe(200)
      await viaQuery.body?.cancel()
    }
    const wrongRoom = await fetch(`${server.url}/api/rooms/private/text?token=${team}`)
    expect(wrongRoom.status).toBe(403)
    expect(await wrongRoom.json()).toEqual({ error: 'token does not cover room private' })

    const listed = (await (await fetch(`${server.url}/api/rooms?token=${team}`)).json()) as Array<{ name: string }>
    expect(listed.map((room) => room.name)).toEqual(['team-a'])
    const everything = (await (await fetch(`${server.url}/api/rooms?token=${admin}`)).json()) as Array<{ name: string }>
    expect(everything.map((room) => room.name)).toEqual(['private', 'team-a'])
    // Health and metrics stay open for probes.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })

  it('refuses WebSocket upgrades from origins not allowed, and lets non-browser clients in', async () => {
    const server = await startServer(scope, { allowedOrigins: ['https://cowrite.example'] })
    expect(await upgrade(server, '/doc', { Origin: 'https://evil.example' })).toEqual({ status: 403, body: { error: 'origin https://evil.example not allowed' } })
    expect((await upgrade(server, '/doc', { Origin: 'https://cowrite.example' })).status).toBe(101)
    expect((await upgrade(server, '/doc')).status).toBe(101)
  })
})
