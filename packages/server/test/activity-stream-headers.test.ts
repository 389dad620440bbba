/**
 * The SSE wire contract: headers, `retry:` first, CORS and preflight, heartbeat comments, and
 * clear 400s for malformed parameters.
 */
import { describe, expect, it } from 'vitest'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { openSse } from './helpers/sse.js'

const scope = useScope()

describe('activity stream headers', () => {
  it('answers with event-stream headers and starts with retry', async () => {
    const server = await startServer(scope)
    const stream = await openSse(scope, `${server.url}/api/rooms/headers/activity`)
    expect(stream.status).toBe(200)
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    expect(stream.headers['cache-control']).toBe('no-cache')
    expect(stream.headers['x-accel-buffering']).toBe('no')
    expect(stream.headers['access-control-allow-origin']).toBe('*')
    await stream.waitFor('retry line', () => stream.retries.length > 0)
    expect(stream.raw().startsWith('retry: 2000\n')).toBe(true)
  })

  it('uses the configured CORS origin on streams and answers preflight', async () => {
    const server = await startServer(scope, { corsOrigin: 'https://dash.example' })
    const stream = await openSse(scope, `${server.url}/api/activity`)
    expect(stream.headers['access-control-allow-origin']).toBe('https://dash.example')
    const preflight = await fetch(`${server.url}/api/rooms/x/activity`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://dash.example', 'Access-Control-Request-Headers': 'last-event-id' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://dash.example')
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('last-event-id')
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET')
  })

  it('sends a ping comment every heartbeat interval', async () => {
    const server = await startServer(scope, { heartbeatMs: 50 })
    const stream = await openSse(scope, `${server.url}/api/activity`)
    await stream.waitFor('three pings', () => stream.comments.filter((c) => c === 'ping').length >= 3)
    expect(stream.raw()).toContain('\n: ping\n\n')
  })

  it('refuses malformed parameters and bad room names with JSON errors', async () => {
    const server = await startServer(scope)
    const badId = await server.get('/api/activity?lastEventId=abc')
    expect(badId.status).toBe(400)
    expect(badId.json<{ error: string }>().error).toMatch(/lastEventId/)
    const badTail = await server.get('/api/activity?tail=-3')
    expect(badTail.status).toBe(400)
    const badRoom = await server.get('/api/rooms/..bad/activity')
    expect(badRoom.status).toBe(400)
    expect(badRoom.json<{ error: string }>().error).toMatch(/invalid room name/)
  })
})
