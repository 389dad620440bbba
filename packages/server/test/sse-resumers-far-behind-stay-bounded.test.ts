/**
 * SSE readers that resume far behind and never read cannot make the server buffer without bound
 * (issue #11): the subscriber's byte budget holds while its replay is still being written, not
 * only once it is live, and waiting for a reader to drain has a timeout.
 *
 * 1. The real CLI over a SQLite file holding 50,000 stored events of one room (a replay from
 *    Last-Event-ID 0 is about 10 MB, far more than loopback's socket buffers take). A stock client
 *    keeps the room busy with 8 KiB edits while 20 raw TCP resumers (`?doc=1`, `Last-Event-ID: 0`)
 *    read the response headers and then never read again, and an EventSource replica reads live.
 *    Every resumer must be dropped during its replay by the byte budget (backlog plus unsent
 *    bytes, 4 MiB by default), the fast reader must never be dropped and must end with the
 *    writer's last edit, and the server's peak RSS must stay bounded.
 * 2. In process, with `sseDrainTimeoutMs: 500`: a resumer that never reads in a quiet room (so
 *    the budget never trips) is dropped by the drain timeout, and resuming from the last event it
 *    did receive yields every later event exactly once.
 *
 * Peak RSS growth of the server while the 14,000 edits are written (VmHWM minus VmRSS once the
 * resumers are connected), on a 2-CPU machine shared with other test runs:
 *   before the fix: +130 to +185 MiB (the resumers never dropped: every update kept in backlogs)
 *   after the fix:  +15 to +52 MiB (the resumers dropped within the first 0.5 s of writing)
 * Wall time after the fix: 14 to 33 s on that machine while other suites ran (timeout 60 s).
 */
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { EventSource } from 'eventsource'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { MAX_USER_NAME_LENGTH, decodeStreamEvent, type SnapshotEvent, type UpdateEvent } from '@cowrite/protocol'
import { createSqliteStorage } from '../src/storage/sqlite.js'
import { connectClient, type StockClient } from './helpers/client.js'
import { startCowrite, tempDir } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { readMetric, startServer } from './helpers/server.js'
import { openSse } from './helpers/sse.js'
import { nextEvent, waitUntil } from './helpers/wait.js'

const scope = useScope()
const ROOM = 'busy'
/** About 210 bytes each on the wire: a replay from 0 is about 10 MB. */
const STORED_EVENTS = 50_000
/** A user name of the longest length the protocol keeps. */
const USER = { name: 'n'.repeat(MAX_USER_NAME_LENGTH), color: '#336699' }
const RESUMERS = 20
/**
 * The writer's edits each replace the whole text with EDIT_BYTES, so the document stays small
 * while the traffic is large: 14,000 × 8 KiB is about 150 MB of `update` events, which the old
 * code kept in every resumer's backlog (shared buffers: once). Smaller edits make too little
 * traffic within the time budget to tell retained memory from garbage the GC has not returned.
 */
const EDITS = 14_000
const EDIT_BYTES = 8 * 1024
const WARM_UP_EDITS = 3_000
/** Edits the writer may be ahead of the fast reader: about 1.4 MB of `update` events, well within its budget. */
const MAX_AHEAD = 128
const MiB = 1024 * 1024
/** Growth of the server's peak RSS allowed while the room is busy (see the figures above). */
const RSS_GROWTH_LIMIT = 100 * MiB
const SSE_BUFFER_LIMIT = 4 * MiB

/** Store `count` edit events of `room` in the SQLite file at `path` (ids 1..count). */
async function storeActivity(path: string, room: string, count: number): Promise<void> {
  const storage = createSqliteStorage({ path })
  const at = new Date().toISOString()
  storage.db.exec('BEGIN')
  for (let i = 0; i < count; i++) await storage.activity.append({ type: 'edit', room, at, user: USER, inserted: 1, deleted: 0, length: i + 1 })
  storage.db.exec('COMMIT')
  await storage.close()
}

interface Resumer {
  socket: Socket
  /** Everything received after the response headers (the chunked body), when kept. */
  body(): Buffer
  isClosed(): boolean
}

/**
 * A raw HTTP/1.1 subscriber sending `Last-Event-ID: lastEventId`; it stops reading as soon as the
 * response headers are in, so the server cannot send it anything more than the kernel takes.
 */
async function openResumer(url: string, path: string, lastEventId: number, { keepBody = false } = {}): Promise<Resumer> {
  const { hostname, port } = new URL(url)
  const socket = connect({ host: hostname, port: Number(port) })
  socket.on('error', () => {})
  scope.defer(() => socket.destroy())
  let closed = false
  socket.once('close', () => (closed = true))
  await nextEvent(socket, 'connect')
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\nLast-Event-ID: ${lastEventId}\r\n\r\n`)
  const chunks: Buffer[] = []
  let headersEnd = -1
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no response headers for ${path} within 15 s`)), 15_000)
    socket.on('data', (chunk: Buffer) => {
      if (headersEnd >= 0) {
        if (keepBody) chunks.push(chunk)
        return
      }
      chunks.push(chunk)
      headersEnd = Buffer.concat(chunks).indexOf('\r\n\r\n')
      if (headersEnd < 0) return
      clearTimeout(timer)
      socket.pause()
      resolve()
    })
  })
  const head = Buffer.concat(chunks).subarray(0, headersEnd).toString()
  expect(head).toMatch(/^HTTP\/1\.1 200 /)
  expect(head).toMatch(/transfer-encoding: chunked/i)
  return { socket, body: () => Buffer.concat(chunks).subarray(headersEnd + 4), isClosed: () => closed }
}

/** The SSE text inside a chunked HTTP body, up to the last complete chunk. */
function unchunk(body: Buffer): string {
  const parts: Buffer[] = []
  let offset = 0
  for (;;) {
    const lineEnd = body.indexOf('\r\n', offset)
    if (lineEnd < 0) break
    const size = parseInt(body.subarray(offset, lineEnd).toString(), 16)
    if (!(size > 0) || lineEnd + 2 + size > body.length) break
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size))
    offset = lineEnd + 2 + size + 2
  }
  return Buffer.concat(parts).toString()
}

/** Ids of the complete events (terminated by a blank line) in SSE text. */
function completeIds(text: string): number[] {
  const complete = text.slice(0, text.lastIndexOf('\n\n') + 2)
  return [...complete.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]))
}

/**
 * The busy room's writer: each edit replaces the text with `edit <n> ` and EDIT_BYTES. It never
 * runs more than MAX_AHEAD edits ahead of the fast reader's replica: a fast reader keeps up with
 * what is written, so on a loaded machine the writer slows down rather than the reader falling
 * behind (and being dropped, rightly).
 */
function busyWriter(writer: StockClient, replica: Y.Doc) {
  const filler = 'x'.repeat(EDIT_BYTES)
  const replicated = replica.getText('content')
  const seen = () => Number(/^edit (\d+) /.exec(replicated.toString())?.[1] ?? -1)
  let next = 0
  /** `count` more edits. */
  return async (count: number): Promise<void> => {
    for (const end = next + count; next < end; ) {
      const n = next++
      writer.doc.transact(() => {
        writer.text.delete(0, writer.text.length)
        writer.text.insert(0, `edit ${n} ${filler}`)
      })
      if (n - seen() > MAX_AHEAD) {
        await waitUntil('the fast reader catches up', () => n - seen() <= MAX_AHEAD / 2, { on: [[replica, 'update']], timeoutMs: 10_000 })
      } else await new Promise((resolve) => setImmediate(resolve))
    }
  }
}

/** A process's resident set size (`VmRSS`) or its peak so far (`VmHWM`), in bytes. */
function memory(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`)
  return Number(match[1]) * 1024
}

const megabytes = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`

describe('SSE resumers far behind', () => {
  it('are dropped by the byte budget during the replay while a busy room is written; RSS stays bounded and the fast reader stays', async () => {
    const dir = tempDir(scope)
    await storeActivity(join(dir, 'cowrite.db'), ROOM, STORED_EVENTS)
    // No rate limit: one writer makes the traffic of a busy room.
    const server = await startCowrite(scope, ['--data', dir, '--rate-limit', '0', '--log-level', 'warn'])
    const pid = server.child.pid!
    const metric = async (sample: string) => readMetric(await (await fetch(`${server.url}/metrics`)).text(), sample)

    const writer = await connectClient(scope, server.wsUrl, ROOM)

    // The fast reader: a live replica over EventSource, from before the edits.
    const replica = new Y.Doc()
    scope.defer(() => replica.destroy())
    const source = new EventSource(`${server.url}/api/rooms/${ROOM}/activity?doc=1&tail=0`)
    scope.defer(() => source.close())
    let opens = 0
    let errors = 0
    let snapshots = 0
    source.addEventListener('open', () => opens++)
    source.addEventListener('error', () => errors++)
    for (const type of ['snapshot', 'update'] as const) {
      source.addEventListener(type, (message) => {
        const event = decodeStreamEvent(type, message.data) as SnapshotEvent | UpdateEvent
        Y.applyUpdate(replica, Buffer.from(event.update, 'base64'))
        if (type === 'snapshot') snapshots++
      })
    }
    await waitUntil('the fast reader has its snapshot', () => snapshots === 1)

    // Warm up (the compaction worker starts, the heap grows to its working size) before measuring.
    const write = busyWriter(writer, replica)
    await write(WARM_UP_EDITS)
    const warm = writer.text.toString()
    await waitUntil('the fast reader has the warm-up', () => replica.getText('content').toString() === warm, { timeoutMs: 10_000 })

    const resumers = await Promise.all(Array.from({ length: RESUMERS }, () => openResumer(server.url, `/api/rooms/${ROOM}/activity?doc=1`, 0)))
    await waitUntil('every subscriber is counted', async () => (await metric('cowrite_sse_subscribers')) === RESUMERS + 1, { timeoutMs: 15_000 })
    const rssBefore = memory(pid, 'VmRSS')

    const started = Date.now()
    await write(EDITS)
    const writingMs = Date.now() - started
    const final = writer.text.toString()
    await waitUntil('the fast reader has the last edit', () => replica.getText('content').toString() === final, { timeoutMs: 10_000 })
    const peak = memory(pid, 'VmHWM')
    const figures = `${EDITS} edits in ${writingMs} ms; RSS ${megabytes(rssBefore)} before, peak ${megabytes(peak)} (+${megabytes(peak - rssBefore)})`

    expect(peak - rssBefore, figures).toBeLessThan(RSS_GROWTH_LIMIT)
    await waitUntil('every resumer is dropped', async () => (await metric('cowrite_sse_dropped_total')) >= RESUMERS, { timeoutMs: 5_000 })
    // Only the resumers: the fast reader never was.
    expect(await metric('cowrite_sse_dropped_total')).toBe(RESUMERS)
    expect(await metric('cowrite_sse_subscribers')).toBe(1)
    expect(opens).toBe(1)
    expect(errors).toBe(0)
    // pino writes asynchronously: wait for the lines rather than read them at once.
    const dropLines = () => server.stderr().split('\n').filter((line) => line.includes('dropping SSE subscriber'))
    await waitUntil('every drop is logged', () => dropLines().length >= RESUMERS)
    const drops = dropLines().map((line) => JSON.parse(line) as { room: string; buffered: number; replaying: boolean; msg: string })
    expect(drops).toHaveLength(RESUMERS)
    for (const drop of drops) {
      expect(drop).toMatchObject({ room: ROOM, replaying: true, msg: 'dropping SSE subscriber: too far behind' })
      expect(drop.buffered).toBeLessThanOrEqual(SSE_BUFFER_LIMIT)
    }

    // Once they read again, the resumers find their streams closed by the server.
    for (const resumer of resumers) resumer.socket.resume()
    await waitUntil('every resumer sees its stream closed', () => resumers.every((resumer) => resumer.isClosed()), { timeoutMs: 10_000 })
  }, 60_000)

  it('drops a resumer that does not drain within sseDrainTimeoutMs; it resumes from its last event losing nothing', async () => {
    const path = join(tempDir(scope), 'cowrite.db')
    await storeActivity(path, 'quiet', STORED_EVENTS)
    const server = await startServer(scope, { storage: createSqliteStorage({ path }), sseDrainTimeoutMs: 500 })

    const opened = Date.now()
    const resumer = await openResumer(server.url, '/api/rooms/quiet/activity', 0, { keepBody: true })
    await waitUntil('the resumer is dropped', async () => (await server.metric('cowrite_sse_dropped_total')) === 1, { timeoutMs: 5_000 })
    expect(Date.now() - opened).toBeGreaterThanOrEqual(500)
    expect(await server.metric('cowrite_sse_subscribers')).toBe(0)
    const logged = server.logs.matching('dropping SSE subscriber')
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatchObject({ room: 'quiet', msg: 'dropping SSE subscriber: did not drain within 500 ms' })

    // It reads what the kernel still held, then finds the stream closed.
    resumer.socket.resume()
    await waitUntil('the resumer sees its stream closed', () => resumer.isClosed(), { timeoutMs: 5_000 })
    const received = completeIds(unchunk(resumer.body()))
    expect(received.length).toBeGreaterThan(0)
    expect(received.length).toBeLessThan(STORED_EVENTS)
    expect(received).toEqual(received.map((_, index) => index + 1))

    // Resuming from the last complete event it got yields exactly the rest.
    const last = received.at(-1)!
    const resumed = await openSse(scope, `${server.url}/api/rooms/quiet/activity`, { 'Last-Event-ID': String(last) })
    await waitUntil('the rest of the replay', () => resumed.messages.at(-1)?.id === String(STORED_EVENTS), { on: [[resumed.response, 'data']], timeoutMs: 10_000 })
    const rest = resumed.messages.filter((m) => m.id !== undefined).map((m) => Number(m.id))
    expect(rest).toEqual(Array.from({ length: STORED_EVENTS - last }, (_, index) => last + 1 + index))
    expect(await server.metric('cowrite_sse_dropped_total')).toBe(1)
  })
})
