/**
 * Seeded fuzz of everything a stranger can send, against the real CLI process: HTTP request
 * targets, methods, headers and bodies over every route (and WebSocket upgrades), then awareness
 * payloads over open sockets. The process must stay up; every HTTP answer is below 500 and every
 * refusal is a JSON `{ error }`; every socket the server closes gets a documented code; and a
 * stock client typing in the same room throughout keeps its connection and its text.
 *
 * Replay a failure with COWRITE_TEST_SEED=<seed printed in the assertion>.
 */
import { WebSocket } from 'ws'
import { describe, expect, it } from 'vitest'
import { connectClient } from './helpers/client.js'
import { startCowrite, tempDir } from './helpers/cowrite-process.js'
import { awarenessFrame } from './helpers/frames.js'
import { createRandom, int, pick, testSeed, type Random } from './helpers/prng.js'
import { useScope } from './helpers/scope.js'
import { closed, openSocket, rawRequest } from './helpers/sockets.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()
const seed = testSeed(0x5eed)

const METHODS = ['GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'BREW', 'G\u0001T', '']
// The HTTP fuzz aims at room `target`: with auth off its write routes (PUT text, POST update,
// restore, DELETE) may legitimately change or delete it. The bystander types in room `fuzz`.
const PATHS = [
  '/', '/healthz', '/metrics', '/api/rooms', '/api/rooms/', '/api/rooms/target', '/api/rooms/target/text', '/api/rooms/target/activity',
  '/api/rooms/target/update', '/api/rooms/target/versions', '/api/rooms/target/restore', '/api/rooms/target/changes',
  '/api/rooms/target/share', '/api/activity', '/r/target', '/viewer/', '/viewer/target', '/assets/x-12345678.js',
  '/fuzz', '//[', '//[::1', 'http://[/x', '//', '/%', '/%00', '/%E0%A4%A', '/..%2f..%2fetc%2fpasswd', '/api/rooms/..', '/api/rooms/.hidden',
  `/api/rooms/${'a'.repeat(300)}`, `/${'b'.repeat(9000)}`, '/api/rooms/target/text/extra', '*', 'fuzz', '/\u00e9\u0000', '/\\..\\x',
]
const QUERIES = [
  '', '', '', '?token=garbage', '?token=', '?tail=-1', '?tail=99999999999999999999', '?tail=1e3', '?lastEventId=abc', '?lastEventId=1',
  '?doc=1', '?lastEventId=0&doc=1', '?version=x', '?at=notadate', '?%', '?a=%zz', `?q=${'c'.repeat(5000)}`,
]
const HEADERS = [
  'Last-Event-ID: not a number', 'Last-Event-ID: 99999999999999999999999', 'Last-Event-ID: -5', 'Authorization: Bearer garbage',
  'Authorization: Bearer a.b.c', 'Authorization: Basic Zm9vOmJhcg==', 'Origin: http://evil.example', 'Accept: text/event-stream',
  'Content-Type: application/json', 'Content-Type: text/plain', 'X-Forwarded-For: 1.2.3.4', 'Cookie: a=b', 'If-None-Match: *',
  'Range: bytes=0-1', 'Expect: 100-continue', 'Host:', 'Transfer-Encoding: gzip, chunked',
]

function randomString(random: Random, length: number): string {
  let text = ''
  for (let i = 0; i < length; i++) text += String.fromCharCode(int(random, 0, 0x7f))
  return text
}

/** One request as raw bytes: a random method, target, headers and body. */
function randomRequest(random: Random): { description: string; bytes: Buffer; method: string } {
  const method = pick(random, METHODS)
  const target = pick(random, PATHS) + pick(random, QUERIES)
  const headers = ['Host: 127.0.0.1', 'Connection: close']
  for (let i = int(random, 0, 3); i > 0; i--) headers.push(pick(random, HEADERS))
  if (int(random, 0, 9) === 0) headers.push(`X-Big: ${'d'.repeat(int(random, 1000, 30_000))}`)
  if (int(random, 0, 7) === 0) {
    headers.push('Upgrade: websocket', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13')
    headers[1] = 'Connection: Upgrade'
  }
  let body = ''
  const bodyKind = int(random, 0, 4)
  if (bodyKind === 1) body = JSON.stringify({ name: randomString(random, int(random, 0, 50)), version: int(random, -5, 5) })
  if (bodyKind === 2) body = randomString(random, int(random, 0, 2000))
  if (body !== '' || int(random, 0, 3) === 0) {
    // Sometimes a Content-Length that does not match the body.
    const declared = int(random, 0, 4) === 0 ? int(random, 0, 100) : Buffer.byteLength(body)
    headers.push(`Content-Length: ${declared}`)
    if (declared > Buffer.byteLength(body)) body += 'x'.repeat(declared - Buffer.byteLength(body))
  }
  const head = `${method} ${target} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`
  return { description: `${method} ${target.slice(0, 80)} [${headers.map((h) => h.slice(0, 30)).join('; ')}]`, bytes: Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]), method }
}

/** An awareness frame with random entries: odd ids and clocks, odd JSON, too big, too deep. */
function randomAwareness(random: Random): Uint8Array {
  const entries = Array.from({ length: int(random, 0, 12) }, () => {
    const kind = int(random, 0, 9)
    const json =
      kind === 0 ? 'null'
      : kind === 1 ? randomString(random, int(random, 1, 20))
      : kind === 2 ? '['.repeat(5000) + ']'.repeat(5000)
      : kind === 3 ? JSON.stringify({ user: { name: 'x'.repeat(int(random, 1, 70_000)), color: '#abc' } })
      : kind === 4 ? JSON.stringify({ user: { name: 42, color: { not: 'a colour' } } })
      : kind === 5 ? JSON.stringify([1, 'two', { three: [3] }])
      : JSON.stringify({ user: { name: randomString(random, int(random, 0, 100)), color: pick(random, ['#f00', 'red', 'url(x)', '']) }, cursor: { head: int(random, 0, 9) } })
    return { clientID: int(random, 0, 3) === 0 ? int(random, 0, 2 ** 31 - 1) : int(random, 1, 20), clock: int(random, 0, 2 ** 31 - 1), json }
  })
  return awarenessFrame(entries)
}

describe('hostile input, fuzzed', () => {
  it(`never takes the process down, and every refusal is a documented answer (seed ${seed})`, async () => {
    const random = createRandom(seed)
    const server = await startCowrite(scope, ['--data', tempDir(scope)])
    const bystander = await connectClient(scope, server.wsUrl, 'fuzz', { user: { name: 'Ada', color: '#f00' } })
    let typed = ''
    const type = (text: string) => {
      bystander.text.insert(bystander.text.length, text)
      typed += text
    }

    const statuses = new Map<number, number>()
    for (let i = 0; i < 300; i++) {
      const request = randomRequest(random)
      const answer = await rawRequest(scope, server.url, request.bytes)
      const where = `seed ${seed}, request ${i}: ${request.description} → ${answer.status} ${answer.body.slice(0, 200)}`
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
      expect(answer.status, where).toBeGreaterThanOrEqual(101)
      expect(answer.status, where).toBeLessThan(500)
      if (answer.status >= 400 && request.method !== 'HEAD') {
        expect(answer.headers['content-type'], where).toMatch(/^application\/json/)
        expect(typeof (JSON.parse(answer.body) as { error?: unknown }).error, where).toBe('string')
      }
      if (i % 25 === 0) type(`${i} `)
    }

    const closes = new Map<number, number>()
    let socket = await openSocket(scope, server.wsUrl, 'fuzz')
    for (let i = 0; i < 300; i++) {
      if (socket.readyState !== WebSocket.OPEN) {
        const { code } = await closed(socket)
        closes.set(code, (closes.get(code) ?? 0) + 1)
        socket = await openSocket(scope, server.wsUrl, 'fuzz')
      }
      socket.send(randomAwareness(random))
      if (i % 10 === 0) {
        // Let the server answer before the next frame, so closes are seen in order.
        await new Promise((resolve) => setTimeout(resolve, 5))
        type(`a${i} `)
      }
    }
    for (const code of closes.keys()) expect([1007, 1008, 1009], `seed ${seed}: closes ${JSON.stringify([...closes])}`).toContain(code)

    expect(server.child.exitCode, server.stderr().slice(-2000)).toBeNull()
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    expect(bystander.provider.wsconnected).toBe(true)
    await waitUntil('the server has every bystander edit', async () => (await (await fetch(`${server.url}/api/rooms/fuzz/text`)).text()) === typed)
    await server.stop()
    expect(await server.exited, server.stderr().slice(-2000)).toEqual({ code: 0, signal: null })
    console.log(`seed ${seed}: HTTP statuses ${JSON.stringify([...statuses].sort())}, WebSocket closes ${JSON.stringify([...closes])}`)
  })
})
