/**
 * `cowrite serve --tls-cert … --tls-key …` serves every HTTP route over HTTP/2 (ALPN `h2`) and
 * over HTTP/1.1 on the same port: the real CLI with a self-signed certificate made at test time,
 * clients that verify it (it is their only CA), loopback only.
 *
 * Over one HTTP/2 connection: `/healthz`, `/api/rooms`, the viewer's page and a compressed asset,
 * and eight activity streams at once, all receiving a stock client's join and edit as they
 * happen (eight streams on one connection is what lifts the browser's six-connection limit), and
 * forgotten once cancelled; under HTTP/2 no `Connection` header, and the SSE headers of the contract. Over HTTP/1.1 (a
 * client that offers only `http/1.1`): the same routes, SSE with its `Connection: keep-alive`.
 */
import { request as httpsRequest, type RequestOptions } from 'node:https'
import { describe, expect, it } from 'vitest'
import { assertBuilt, connectHttp2 } from '@cowrite/testing'
import { startCowrite } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { tlsStockClient, useTestCertificate } from './helpers/tls.js'
import { readMetric } from './helpers/server.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()
const certificate = useTestCertificate()

function tlsArgs(): string[] {
  return ['--storage', 'memory', '--tls-cert', certificate.certFile, '--tls-key', certificate.keyFile]
}

/** GET over HTTP/1.1 on TLS (ALPN offers `http/1.1` only); `stream` resolves at the headers. */
function http1Get(url: string, path: string, { stream = false } = {}): Promise<{ status: number; headers: Record<string, unknown>; alpn: string | false | null; body: string }> {
  // Handed on to tls.connect (agent: false), which takes ALPNProtocols; https's types leave it out.
  const options: RequestOptions & { ALPNProtocols: string[] } = { ca: certificate.pem, ALPNProtocols: ['http/1.1'], agent: false }
  return new Promise((resolve, reject) => {
    const request = httpsRequest(url + path, options, (response) => {
      const alpn = (response.socket as import('node:tls').TLSSocket).alpnProtocol
      const answer = { status: response.statusCode ?? 0, headers: response.headers, alpn, body: '' }
      if (stream) {
        scope.defer(() => request.destroy())
        return resolve(answer)
      }
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (answer.body += chunk))
      response.on('end', () => resolve(answer))
    })
    request.on('error', reject)
    request.end()
  })
}

describe('HTTPS', () => {
  it('serves the API, the apps and eight live activity streams over one HTTP/2 connection', async () => {
    assertBuilt(['apps/viewer/dist/index.html'])
    const server = await startCowrite(scope, tlsArgs())
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`)
    const client = await connectHttp2(server.url, certificate.pem)
    scope.defer(() => client.close())
    expect(client.alpnProtocol).toBe('h2')

    const health = await client.get('/healthz')
    expect(health.status).toBe(200)
    expect(JSON.parse(health.body)).toMatchObject({ ok: true })
    const rooms = await client.get('/api/rooms')
    expect(rooms.status).toBe(200)
    expect(rooms.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(JSON.parse(rooms.body)).toEqual([])

    // The viewer's page and one of its hashed assets, brotli-compressed, over the same connection.
    const page = await client.get('/viewer/notes', { accept: 'text/html' })
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    const script = /src="(\/viewer\/assets\/[^"]+\.js)"/.exec(page.body)?.[1]
    expect(script, page.body).toBeDefined()
    const asset = await client.get(script!, { 'accept-encoding': 'br' })
    expect(asset.status).toBe(200)
    expect(asset.headers['content-encoding']).toBe('br')
    expect(asset.headers['cache-control']).toContain('immutable')

    const streams = await Promise.all(Array.from({ length: 8 }, () => client.stream('/api/rooms/notes/activity')))
    for (const stream of streams) {
      expect(stream.status).toBe(200)
      expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8')
      expect(stream.headers['cache-control']).toBe('no-cache')
      expect(stream.headers['x-accel-buffering']).toBe('no')
      expect(stream.headers['access-control-allow-origin']).toBe('*')
      expect(stream.headers.connection).toBeUndefined()
    }
    const metrics = await client.get('/metrics')
    expect(readMetric(metrics.body, 'cowrite_sse_subscribers')).toBe(8)

    // Events as they happen: a stock client joins over wss:// and types.
    const ada = tlsStockClient(scope, certificate, server.wsUrl, 'notes', { name: 'Ada', color: '#30a46c' })
    await waitUntil('Ada is synced', () => ada.provider.synced, { on: [[ada.provider, 'sync']] })
    for (const stream of streams) await stream.waitFor('the join', (messages) => messages.some((message) => message.event === 'join'))
    ada.text.insert(0, 'over HTTP/2')
    for (const stream of streams) {
      const messages = await stream.waitFor('the edit', (received) => received.some((message) => message.event === 'edit'))
      const edit = JSON.parse(messages.find((message) => message.event === 'edit')!.data) as { inserted: number; user: { name: string } }
      expect(edit).toMatchObject({ inserted: 11, user: { name: 'Ada' } })
    }
    const text = await client.get('/api/rooms/notes/text')
    expect(text.body).toBe('over HTTP/2')
    // Still one connection: every answer above came over the session opened first.
    expect(client.session.closed).toBe(false)

    // A stream the reader cancels (RST_STREAM) is forgotten at once; the connection carries on.
    for (const stream of streams) stream.close()
    await Promise.all(streams.map((stream) => stream.closed))
    await waitUntil('no activity streams are left', async () => readMetric((await client.get('/metrics')).body, 'cowrite_sse_subscribers') === 0)
  })

  it('serves HTTP/1.1 on the same port to a client without HTTP/2', async () => {
    const server = await startCowrite(scope, tlsArgs())
    const health = await http1Get(server.url, '/healthz')
    expect(health.alpn).toBe('http/1.1')
    expect(health.status).toBe(200)
    expect(JSON.parse(health.body)).toMatchObject({ ok: true })
    expect(JSON.parse((await http1Get(server.url, '/api/rooms')).body)).toEqual([])

    const stream = await http1Get(server.url, '/api/activity', { stream: true })
    expect(stream.status).toBe(200)
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    expect(stream.headers['x-accel-buffering']).toBe('no')
    expect(stream.headers.connection).toBe('keep-alive')
  })
})
