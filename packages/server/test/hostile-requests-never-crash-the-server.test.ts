/**
 * One request must never take the process down. Regression: a WebSocket upgrade whose request
 * target does not parse as a URL (`//[`) threw inside the async upgrade handler, the rejection
 * was unhandled and Node exited (even with `--auth-secret`), dropping every socket unflushed;
 * the same target as a plain GET answered 500. Oversized headers got Node's empty 431.
 *
 * Against the real CLI process, with auth on and a stock client typing in a room: every hostile
 * request is answered 4xx with a JSON reason and logged, the process stays up, the client stays
 * connected, and SIGTERM still stores everything and exits 0.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { signToken } from '../src/auth/tokens.js'
import { createSqliteStorage } from '../src/storage/sqlite.js'
import { textOf } from '../src/rooms/stored-text.js'
import { connectClient } from './helpers/client.js'
import { startCowrite, tempDir } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { rawRequest, type RawAnswer } from './helpers/sockets.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()
const SECRET = 'hostile-test-secret'

/** Request targets `new URL(target, base)` refuses. */
const UNPARSABLE_TARGETS = ['//[', '//[::1', '//[x]/room', 'http://[/room', '//%zz:80/x', '//room:99999/x']

function upgradeRequest(target: string): string {
  return (
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
  )
}

function getRequest(target: string, extraHeaders = ''): string {
  return `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extraHeaders}\r\n`
}

function expectJsonError(answer: RawAnswer, status: number, error: RegExp): void {
  expect(answer.status, answer.body).toBe(status)
  expect(answer.headers['content-type']).toBe('application/json; charset=utf-8')
  expect((JSON.parse(answer.body) as { error: string }).error).toMatch(error)
}

describe('hostile requests', () => {
  it('are answered 4xx with JSON while the process, its sockets and its documents carry on', async () => {
    const data = tempDir(scope)
    const server = await startCowrite(scope, ['--data', data, '--auth-secret', SECRET])
    const token = await signToken(SECRET, { sub: 'ada', name: 'Ada', room: 'kept', role: 'edit' }, 600)
    const client = await connectClient(scope, server.wsUrl, 'kept', { params: { token } })
    client.text.insert(0, 'before the attack. ')

    for (const target of UNPARSABLE_TARGETS) {
      expectJsonError(await rawRequest(scope, server.url, upgradeRequest(target)), 400, /malformed request target/)
      expectJsonError(await rawRequest(scope, server.url, getRequest(target)), 400, /malformed request target/)
    }
    // Headers past Node's 16 KiB limit: 431, with a JSON reason like every other error.
    expectJsonError(await rawRequest(scope, server.url, getRequest('/healthz', `X-Big: ${'a'.repeat(20_000)}\r\n`)), 431, /headers too large/)
    // A request line Node's parser refuses outright.
    expectJsonError(await rawRequest(scope, server.url, 'G\u0001T / HTTP/1.1\r\nHost: x\r\n\r\n'), 400, /malformed request/)

    expect(server.child.exitCode).toBeNull()
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)
    // Logged (pino writes asynchronously: wait for the lines rather than read them at once).
    const logged = ['upgrade refused: malformed request target', 'request refused: malformed request target', 'request refused: request headers too large']
    await waitUntil('every refusal is logged', () => logged.every((line) => server.stderr().includes(line)))

    // The client never noticed: still connected, and its edits still go through.
    expect(client.provider.wsconnected).toBe(true)
    client.text.insert(client.text.length, 'after the attack.')
    await waitUntil('the server has the edit made after the attack', async () => {
      const response = await fetch(`${server.url}/api/rooms/kept/text?token=${token}`)
      return (await response.text()) === 'before the attack. after the attack.'
    })

    await server.stop()
    expect(await server.exited).toEqual({ code: 0, signal: null })
    const storage = createSqliteStorage({ path: join(data, 'cowrite.db') })
    try {
      expect(textOf(await storage.load('kept'))).toBe('before the attack. after the attack.')
    } finally {
      await storage.close()
    }
  })
})
