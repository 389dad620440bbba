/**
 * The HTTP API: health, Prometheus metrics, room listings and text, JSON errors with fitting
 * statuses, CORS on every answer and the OPTIONS preflight.
 */
import { describe, expect, it } from 'vitest'
import { connectClient } from './helpers/client.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()

describe('HTTP routes', () => {
  it('answer health, metrics, rooms and text', async () => {
    const server = await startServer(scope)
    const health = await server.get('/healthz')
    expect(health.status).toBe(200)
    expect(health.json()).toEqual({ ok: true, instance: expect.stringMatching(/-\d+$/) })
    expect(health.headers.get('access-control-allow-origin')).toBe('*')

    expect((await server.get('/api/rooms')).json()).toEqual([])
    const ada = await connectClient(scope, server.wsUrl, 'notes', { user: { name: 'Ada', color: '#f00' } })
    ada.text.insert(0, 'héllo 😀')
    // Summaries show the title on one line.
    ada.doc.getMap('meta').set('title', '  Meeting\n  notes ')
    await waitUntil('the server has the text', async () => (await server.get('/api/rooms/notes/text')).text === 'héllo 😀')

    const text = await server.get('/api/rooms/notes/text')
    expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    const rooms = (await server.get('/api/rooms')).json<Array<Record<string, unknown>>>()
    expect(rooms).toEqual([{ name: 'notes', connections: 1, length: 'héllo 😀'.length, updatedAt: expect.any(String), title: 'Meeting notes' }])
    expect(Number.isNaN(Date.parse(rooms[0]!.updatedAt as string))).toBe(false)
    await waitUntil('the room lists Ada', async () => (await server.get('/api/rooms/notes')).json<{ users: unknown[] }>().users.length === 1)
    expect((await server.get('/api/rooms/notes')).json()).toEqual({
      name: 'notes',
      connections: 1,
      users: [{ name: 'Ada', color: '#f00' }],
      length: 'héllo 😀'.length,
      updatedAt: expect.any(String),
      title: 'Meeting notes',
    })

    const metrics = await server.get('/metrics')
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/)
    for (const name of ['cowrite_connections', 'cowrite_rooms', 'cowrite_updates_total', 'cowrite_bytes_received_total', 'cowrite_storage_append_seconds']) {
      expect(metrics.text).toContain(`# TYPE ${name}`)
    }
    expect(await server.metric('cowrite_connections')).toBe(1)
    expect(await server.metric('cowrite_rooms')).toBe(1)
    expect(await server.metric('cowrite_updates_total')).toBeGreaterThanOrEqual(1)
    // Counted in plain numbers and read at scrape time, by message type.
    expect(await server.metric('cowrite_messages_received_total{type="sync"}')).toBeGreaterThanOrEqual(2)
    expect(await server.metric('cowrite_messages_received_total{type="awareness"}')).toBeGreaterThanOrEqual(1)
  })

  it('answer errors as JSON with fitting statuses', async () => {
    const server = await startServer(scope)
    const cases: Array<[string, number, RequestInit?]> = [
      ['/nope', 404],
      ['/api/rooms/missing', 404],
      ['/api/rooms/missing/text', 404],
      ['/api/rooms/bad%20room', 400],
      ['/api/rooms/.dot/text', 400],
      ['/api/rooms', 405, { method: 'POST' }],
    ]
    for (const [path, status, init] of cases) {
      const answer = await server.get(path, init)
      expect(answer.status, path).toBe(status)
      expect(answer.headers.get('content-type'), path).toBe('application/json; charset=utf-8')
      expect(answer.json(), path).toEqual({ error: expect.any(String) })
      expect(answer.headers.get('access-control-allow-origin'), path).toBe('*')
    }
  })

  it('give a browser that follows a wrong link a page with a way back, and programs JSON', async () => {
    const server = await startServer(scope)
    const page = await server.get('/no/such/<page>', { headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } })
    expect(page.status).toBe(404)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.text).toContain('<a href="/">')
    expect(page.text).toContain('/no/such/%3Cpage%3E')
    expect(page.text).not.toContain('<page>')
    const api = await server.get('/api/nothing', { headers: { Accept: 'text/html' } })
    expect(api.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const program = await server.get('/no/such/page')
    expect(program.json()).toEqual({ error: 'no route for /no/such/page' })
  })

  it('answer the CORS preflight and honour corsOrigin', async () => {
    const server = await startServer(scope, { corsOrigin: 'https://app.example' })
    const preflight = await server.get('/api/rooms', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(preflight.headers.get('access-control-allow-methods')).toContain('GET')
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization')
    const health = await server.get('/healthz')
    expect(health.headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect(health.headers.get('vary')).toContain('Origin')
  })
})
