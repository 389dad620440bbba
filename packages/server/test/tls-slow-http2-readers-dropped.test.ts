/**
 * The SSE byte budget and drain timeout hold per HTTP/2 stream as they do per HTTP/1.1 socket
 * (sse-resumers-far-behind-stay-bounded.test.ts): a stream whose reader stops reading closes its
 * flow-control window, what the server writes then waits in the Http2Stream's buffer, and the hub
 * sees it there (`writableLength`, `writableNeedDrain`, `'drain'`). HTTP/2's compatibility
 * response has no `writableNeedDrain`: read from it, a replay would never wait for its reader and
 * never time out.
 *
 * In process, over TLS, with a 256 KiB budget and a 500 ms drain timeout, a memory store holding
 * 5,000 stored events of one room (about 1 MB to replay from the first):
 * 1. a resumer from the first event that stops reading after the headers is dropped by the drain timeout during
 *    its replay, while a reader resuming from there on another connection gets every event once, in order;
 * 2. a live `?doc=1` replica that stops reading is dropped by the budget once a stock client's
 *    large edits pass it, while a replica that reads keeps up and ends with the last edit.
 */
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { CONTENT, decodeStreamEvent, type UpdateEvent } from '@cowrite/protocol'
import { connectHttp2, type Http2Client } from '@cowrite/testing'
import { createServer, createMemoryStorage, type CowriteServer } from '../src/index.js'
import { captureLogs, type LogCapture } from './helpers/logs.js'
import { useScope } from './helpers/scope.js'
import { tlsStockClient, useTestCertificate } from './helpers/tls.js'
import { readMetric } from './helpers/server.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()
const ROOM = 'busy'
const STORED_EVENTS = 5_000
const BUDGET = 256 * 1024
const certificate = useTestCertificate()

/** A server over a memory store holding `storedEvents` events of ROOM; `before` is the id just below the first. */
async function startTlsServer(storedEvents: number): Promise<{ server: CowriteServer; logs: LogCapture; before: number }> {
  const storage = createMemoryStorage()
  const at = new Date().toISOString()
  for (let i = 0; i < storedEvents; i++) {
    await storage.activity.append({ type: 'edit', room: ROOM, at, user: { name: 'Writer', color: '#336699' }, inserted: 1, deleted: 0, length: i + 1 })
  }
  const logs = captureLogs()
  const server = await createServer({
    port: 0,
    host: '127.0.0.1',
    storage,
    logger: logs.logger,
    tls: { cert: certificate.certFile, key: certificate.keyFile },
    sseBufferLimit: BUDGET,
    sseDrainTimeoutMs: 500,
  })
  scope.defer(() => server.close())
  // The memory store's ids start from its boot time, not from 1.
  const { oldest } = await storage.activity.bounds()
  return { server, logs, before: (oldest ?? 1) - 1 }
}

async function h2(server: CowriteServer): Promise<Http2Client> {
  const client = await connectHttp2(server.url, certificate.pem)
  scope.defer(() => client.close())
  return client
}

async function metric(client: Http2Client, sample: string): Promise<number> {
  return readMetric((await client.get('/metrics')).body, sample)
}

describe('slow HTTP/2 readers', () => {
  it('a resumer that stops reading is dropped by the drain timeout during its replay', async () => {
    const { server, logs, before } = await startTlsServer(STORED_EVENTS)
    const observer = await h2(server)
    const slow = await (await h2(server)).stream(`/api/rooms/${ROOM}/activity`, { 'last-event-id': String(before) })
    slow.raw.pause()
    const fast = await (await h2(server)).stream(`/api/rooms/${ROOM}/activity`, { 'last-event-id': String(before) })

    await fast.waitFor('the whole replay', (messages) => messages.length === STORED_EVENTS, 20_000)
    expect(fast.messages.map((message) => Number(message.id))).toEqual(Array.from({ length: STORED_EVENTS }, (_, i) => before + i + 1))
    await waitUntil('the slow resumer is dropped', () => logs.matching('dropping SSE subscriber').length > 0)
    // A paused HTTP/2 stream holds its reset until it is read to the end.
    slow.raw.resume()
    await slow.closed
    expect(logs.matching('dropping SSE subscriber: did not drain within 500 ms')).toHaveLength(1)
    expect(logs.matching('dropping SSE subscriber')[0]).toMatchObject({ room: ROOM, replaying: true })
    expect(await metric(observer, 'cowrite_sse_dropped_total')).toBe(1)
    expect(await metric(observer, 'cowrite_sse_subscribers')).toBe(1)
    // It read at most what HTTP/2's windows and its own buffer took: far from the whole replay.
    expect(slow.messages.length).toBeLessThan(STORED_EVENTS / 2)
  })

  it('a live replica that stops reading is dropped by the byte budget; one that reads keeps up', async () => {
    const { server, logs } = await startTlsServer(0)
    const observer = await h2(server)
    const slow = await (await h2(server)).stream(`/api/rooms/${ROOM}/activity?doc=1`)
    const fast = await (await h2(server)).stream(`/api/rooms/${ROOM}/activity?doc=1`)
    await slow.waitFor('the snapshot', (messages) => messages.some((message) => message.event === 'snapshot'))
    slow.raw.pause()
    await fast.waitFor('the snapshot', (messages) => messages.some((message) => message.event === 'snapshot'))

    const { doc, provider: writer, text } = tlsStockClient(scope, certificate, server.url.replace(/^https/, 'wss'), ROOM)
    await waitUntil('the writer is synced', () => writer.synced, { on: [[writer, 'sync']] })
    // 16 KiB edits: each `update` event is about 22 KB of base64; 64 of them are about 1.4 MB.
    for (let edit = 0; edit < 64; edit++) {
      doc.transact(() => {
        text.delete(0, text.length)
        text.insert(0, `edit ${edit} ${'x'.repeat(16 * 1024)}`)
      })
      // Pace the writer by the fast replica, as a reader that keeps up does.
      await fast.waitFor(`update ${edit}`, (messages) => messages.filter((message) => message.event === 'update').length >= edit + 1)
    }
    await waitUntil('the slow replica is dropped', () => logs.matching('dropping SSE subscriber').length > 0)
    slow.raw.resume()
    await slow.closed
    expect(logs.matching('dropping SSE subscriber: too far behind')).toHaveLength(1)
    expect(await metric(observer, 'cowrite_sse_dropped_total')).toBe(1)
    // The replica that reads has every update: applied to a fresh doc after the snapshot, they give the text.
    const replica = new Y.Doc()
    for (const message of fast.messages) {
      if (message.event === 'snapshot' || message.event === 'update') {
        Y.applyUpdate(replica, Buffer.from((decodeStreamEvent(message.event, message.data) as UpdateEvent).update, 'base64'))
      }
    }
    expect(replica.getText(CONTENT).toString()).toBe(text.toString())
    replica.destroy()
    expect(await metric(observer, 'cowrite_sse_subscribers')).toBe(1)
  })
})
