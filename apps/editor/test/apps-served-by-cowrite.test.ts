import { readdirSync } from 'node:fs'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, REPO, startAppServer, type AppServer } from '@cowrite/testing'

let server: AppServer

beforeAll(async () => {
  assertBuilt(['packages/server/dist/cli.js', 'apps/editor/dist/index.html'])
  server = await startAppServer({ storage: 'memory' })
})

afterAll(async () => {
  await server?.dispose()
})

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A raw GET: the path goes on the wire exactly as given (fetch would normalise `..`). */
function get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('cowrite serve serves the built apps', () => {
  it.each(['/', '/r/brave-otter-42', '/r/brave-otter-42/'])('%s is the editor page, never cached stale', async (path) => {
    const answer = await get(path)
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(answer.headers['cache-control']).toBe('no-cache')
    expect(answer.body).toContain('<div id="app"')
  })

  it('hashed assets have their type and are cached for good; revalidation answers 304', async () => {
    const assets = readdirSync(`${REPO}apps/editor/dist/assets`)
    const script = assets.find((name) => name.endsWith('.js'))!
    const style = assets.find((name) => name.endsWith('.css'))!
    const js = await get(`/assets/${script}`)
    expect(js.status).toBe(200)
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    const css = await get(`/assets/${style}`)
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8')
    const again = await get(`/assets/${script}`, { 'If-None-Match': String(js.headers.etag) })
    expect(again.status).toBe(304)
    expect(again.body).toBe('')
  })

  it.each(['/viewer/', '/viewer/some-room'])('%s is the viewer page', async (path) => {
    const answer = await get(path)
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(answer.body.toLowerCase()).toContain('viewer')
  })

  it('/viewer redirects to /viewer/', async () => {
    const answer = await get('/viewer')
    expect(answer.status).toBe(308)
    expect(answer.headers.location).toBe('/viewer/')
  })

  it.each([
    '/../package.json',
    '/assets/../../../package.json',
    '/..%2f..%2fpackage.json',
    '/%2e%2e/%2e%2e/package.json',
    '/assets/%2e%2e/%2e%2e/%2e%2e/packages/server/package.json',
    '/viewer/..%2f..%2f..%2fpackage.json',
    '/.gitignore',
    '/assets/..%5c..%5cpackage.json',
    '/index.html%00.js',
  ])('%s does not leave the app directory', async (path) => {
    const answer = await get(path)
    expect(answer.status).toBeGreaterThanOrEqual(400)
    expect(answer.body).not.toContain('"workspace:*"')
    expect(answer.body).not.toContain('@cowrite')
    expect(JSON.parse(answer.body)).toHaveProperty('error')
  })

  it('unknown API paths and missing files stay JSON 404s', async () => {
    for (const path of ['/api/nope', '/api/', '/nope.js', '/r/a/b']) {
      const answer = await get(path)
      expect(answer.status, path).toBe(404)
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(JSON.parse(answer.body).error).toMatch(/no route/)
    }
  })

  it('the API is still the API', async () => {
    const answer = await get('/api/rooms')
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.body)).toEqual([])
  })
})
