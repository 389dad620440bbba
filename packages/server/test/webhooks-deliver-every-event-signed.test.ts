/**
 * Webhooks against a real local receiver (design.md "Webhooks"): every activity event arrives as
 * its JSON with `X-Cowrite-Event-Id` and a signature that verifies, in id order; a receiver that
 * fails or hangs on its first requests still gets every event, in order; events pending when the
 * server stops are delivered by the next start (the real CLI on one SQLite file); a receiver that
 * never answers holds at most one request and never holds up editing; an event older than the
 * give-up age is logged and skipped; `--webhook` without a secret is refused.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { ActivityEvent } from '@cowrite/protocol'
import { freePort } from '@cowrite/testing'
import { verifyBody } from '../src/webhooks/signature.js'
import { connectClient } from './helpers/client.js'
import { runCowrite, startCowrite, tempDir } from './helpers/cowrite-process.js'
import { useScope, type Scope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()
const SECRET = 'webhook-secret'
const FAST = { firstDelayMs: 20, maxDelayMs: 100, pollMs: 50, timeoutMs: 300 }

interface Received {
  id: number
  event: ActivityEvent
  verified: boolean
}

/**
 * A webhook receiver on loopback. `answer` decides each request's fate by its number (from 1):
 * a status, or 'hang' (never answered). Requests answered 2xx are `delivered`.
 */
async function receiver(scope: Scope, answer: (n: number) => number | 'hang' = () => 204, port = 0) {
  const delivered: Received[] = []
  let requests = 0
  let open = 0
  let mostOpen = 0
  const hanging: ServerResponse[] = []
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const n = ++requests
    open++
    mostOpen = Math.max(mostOpen, open)
    response.on('close', () => open--)
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => (body += chunk))
    request.on('end', () => {
      const outcome = answer(n)
      if (outcome === 'hang') return void hanging.push(response)
      if (outcome >= 200 && outcome < 300) {
        const event = JSON.parse(body) as ActivityEvent
        expect(request.headers['content-type']).toBe('application/json')
        expect(request.headers['x-cowrite-event-id']).toBe(String(event.id))
        delivered.push({ id: event.id, event, verified: verifyBody(SECRET, body, String(request.headers['x-cowrite-signature'])) })
      }
      response.writeHead(outcome).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  scope.defer(async () => {
    for (const response of hanging) response.destroy()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/cowrite?key=abc`,
    delivered,
    requests: () => requests,
    mostOpen: () => mostOpen,
  }
}

describe('webhooks', () => {
  it('deliver every activity event, signed, in id order', async () => {
    const hook = await receiver(scope)
    const server = await startServer(scope, { webhooks: { urls: [hook.url], secret: SECRET, timing: FAST }, activity: { joinWaitMs: 20 } })
    const ada = await connectClient(scope, server.wsUrl, 'hooked', { user: { name: 'Ada', color: '#0090ff' } })
    ada.text.insert(0, 'hello')
    ada.destroy()
    await waitUntil('join, edit, leave and the version delivered', () => hook.delivered.some((one) => one.event.type === 'version'))
    expect(hook.delivered.map((one) => one.event.type)).toEqual(['join', 'edit', 'leave', 'version'])
    expect(hook.delivered.every((one) => one.verified)).toBe(true)
    const ids = hook.delivered.map((one) => one.id)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect(hook.delivered[1]!.event).toMatchObject({ type: 'edit', room: 'hooked', inserted: 5, user: { name: 'Ada', color: '#0090ff' } })
    expect(await server.metric('cowrite_webhook_deliveries_total{url="http://127.0.0.1:' + new URL(hook.url).port + '/hooks/cowrite",outcome="delivered"}')).toBe(4)
  })

  it('get every event, in order, to a receiver that fails and hangs on its first requests', async () => {
    // 500, 503, a hang past the timeout, 502, then fine.
    const hook = await receiver(scope, (n) => (n === 1 ? 500 : n === 2 ? 503 : n === 3 ? 'hang' : n === 4 ? 502 : 200))
    const server = await startServer(scope, { webhooks: { urls: [hook.url], secret: SECRET, timing: FAST }, activity: { joinWaitMs: 20, coalesceMs: 10 } })
    const ada = await connectClient(scope, server.wsUrl, 'flaky', { user: { name: 'Ada', color: '#0090ff' } })
    for (let i = 0; i < 20; i++) {
      ada.text.insert(ada.text.length, `${i} `)
      await waitUntil('stored', async () => (await server.get('/api/rooms/flaky/text')).text === ada.text.toString())
    }
    ada.destroy()
    await waitUntil('the leave delivered', () => hook.delivered.some((one) => one.event.type === 'leave'), { timeoutMs: 15_000 })
    const ids = hook.delivered.map((one) => one.id)
    expect(new Set(ids).size, 'each event delivered once').toBe(ids.length)
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
    expect(hook.requests()).toBeGreaterThanOrEqual(ids.length + 4)
    const edits = hook.delivered.filter((one) => one.event.type === 'edit')
    expect(edits.reduce((sum, one) => sum + (one.event as { inserted: number }).inserted, 0)).toBe(ada.text.length)
    expect(server.logs.matching('webhook delivery failed').length).toBeGreaterThanOrEqual(4)
  })

  it('deliver after a restart what was pending when the server stopped', async () => {
    const port = await freePort()
    const data = tempDir(scope)
    const url = `http://127.0.0.1:${port}/hook`
    const args = ['--data', data, '--webhook', url, '--webhook-secret', SECRET]
    const first = await startCowrite(scope, args)
    const ada = await connectClient(scope, first.wsUrl, 'pending', { user: { name: 'Ada', color: '#0090ff' } })
    ada.text.insert(0, 'written while nobody listens')
    ada.destroy()
    // Ada's leave is stored, then the version it records.
    await waitUntil('the version recorded as Ada left', async () => ((await (await fetch(`${first.url}/api/rooms/pending/versions`)).json()) as unknown[]).length === 1)
    await waitUntil('a delivery was tried and failed', () => first.stderr().includes('webhook delivery failed'))
    await first.stop()

    const hook = await receiver(scope, () => 200, port)
    const second = await startCowrite(scope, args)
    await waitUntil('the events from before the restart arrive', () => hook.delivered.some((one) => one.event.type === 'version'))
    expect(hook.delivered.map((one) => one.event.type)).toEqual(['join', 'edit', 'leave', 'version'])
    expect(hook.delivered.every((one) => one.verified)).toBe(true)
    await second.stop()
  })

  it('hold at most one request to a receiver that never answers, and never hold up editing', async () => {
    const hook = await receiver(scope, () => 'hang')
    const server = await startServer(scope, { webhooks: { urls: [hook.url], secret: SECRET, timing: { ...FAST, timeoutMs: 60_000 } }, activity: { coalesceMs: 1 } })
    const ada = await connectClient(scope, server.wsUrl, 'busy', { user: { name: 'Ada', color: '#0090ff' } })
    const bob = await connectClient(scope, server.wsUrl, 'busy', { user: { name: 'Bob', color: '#e5484d' } })
    await waitUntil('the receiver holds a request', () => hook.requests() >= 1)
    for (let i = 0; i < 200; i++) ada.text.insert(ada.text.length, 'x')
    await waitUntil('Bob has every keystroke', () => bob.text.length === 200, { on: [[bob.doc, 'update']] })
    await waitUntil('the pending count is reported', async () => (await server.metric(`cowrite_webhook_pending{url="http://127.0.0.1:${new URL(hook.url).port}/hooks/cowrite"}`)) > 2)
    expect(hook.mostOpen()).toBe(1)
    expect(hook.requests()).toBe(1)
  })

  it('give up, with a log line, an event older than the give-up age', async () => {
    const hook = await receiver(scope, () => 500)
    const server = await startServer(scope, { webhooks: { urls: [hook.url], secret: SECRET, timing: { ...FAST, giveUpAfterMs: 300 } }, activity: { joinWaitMs: 20 } })
    const ada = await connectClient(scope, server.wsUrl, 'doomed', { user: { name: 'Ada', color: '#0090ff' } })
    ada.text.insert(0, 'never delivered')
    ada.destroy()
    await waitUntil('four events given up', () => server.logs.matching('webhook event given up').length >= 4, { timeoutMs: 10_000 })
    expect(hook.delivered).toEqual([])
  })

  it('are refused without a secret, or with a URL that is not http(s)', async () => {
    const noSecret = await runCowrite(['serve', '--storage', 'memory', '--port', '0', '--webhook', 'http://127.0.0.1:9/x'])
    expect(noSecret.code).toBe(2)
    expect(noSecret.stderr).toContain('--webhook needs --webhook-secret')
    const notHttp = await runCowrite(['serve', '--storage', 'memory', '--port', '0', '--webhook', 'ftp://example.org/x', '--webhook-secret', 's'])
    expect(notHttp.code).toBe(2)
    expect(notHttp.stderr).toContain('--webhook takes http:// or https:// URLs')
    const secretAlone = await runCowrite(['serve', '--storage', 'memory', '--port', '0', '--webhook-secret', 's'], 10_000, { COWRITE_WEBHOOK_URL: '' })
    expect(secretAlone.code).toBe(2)
  })
})
