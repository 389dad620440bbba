/**
 * The activity stream endpoints, `GET /api/rooms/<room>/activity` and `GET /api/activity`:
 * `retry:` first, then the replay (after Last-Event-ID, or the tail), then for `?doc=1` a
 * snapshot of the document, then live events. Live events arriving during the replay wait in the
 * subscriber's backlog and are written after it without duplicates, so there is no gap. The hub
 * holds every phase to the subscriber's byte budget and drain timeout (see activity-hub.ts).
 *
 * The same code serves HTTP/1.1 and HTTP/2 (http/tls-server.ts). Under HTTP/2 there is no
 * `Connection` header (it is a protocol error there) and no socket of the stream's own, and the
 * compatibility response is a bare Stream without `destroyed` or `writableNeedDrain`: the hub
 * writes to its Http2Stream instead, a real Writable whose buffer fills while the reader's
 * flow-control window is closed, so pacing and dropping work per stream as they do per socket.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Http2ServerResponse } from 'node:http2'
import { DEFAULT_ACTIVITY_TAIL, SSE_RETRY_MS, encodeSseEvent, type ActivityEvent } from '@cowrite/protocol'
import type { ActivityLog } from '../storage/activity-log.js'
import type { Grant } from '../auth/authorize.js'
import { sendError } from './json.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { ActivityHub, Subscriber } from '../stream/activity-hub.js'

export interface ActivityStreamContext {
  hub: ActivityHub
  activity: ActivityLog
  registry: RoomRegistry
}

const MAX_TAIL = 1000
/** Events read from the log per query while replaying. */
const REPLAY_PAGE = 1000

/** A non-negative integer parameter, undefined when absent; throws a RangeError when malformed. */
function integerParameter(name: string, raw: string | null | undefined): number | undefined {
  if (raw === null || raw === undefined || raw === '') return undefined
  if (!/^\d{1,16}$/.test(raw)) throw new RangeError(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`)
  return Number(raw)
}

export async function streamActivity(
  context: ActivityStreamContext,
  request: IncomingMessage,
  response: ServerResponse,
  room: string | undefined,
  url: URL,
  grant: Grant,
): Promise<void> {
  let lastEventId: number | undefined
  let tail: number
  try {
    // The header wins: EventSource keeps the query on reconnect but sends a newer header.
    lastEventId = integerParameter('Last-Event-ID', request.headers['last-event-id'] as string | undefined) ?? integerParameter('lastEventId', url.searchParams.get('lastEventId'))
    tail = Math.min(MAX_TAIL, integerParameter('tail', url.searchParams.get('tail')) ?? DEFAULT_ACTIVITY_TAIL)
  } catch (error) {
    return sendError(response, 400, (error as Error).message)
  }
  const wantsDoc = room !== undefined && url.searchParams.get('doc') === '1'

  const http2 = response instanceof Http2ServerResponse
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    'X-Accel-Buffering': 'no',
    // HTTP/1.1 proxies that default to closing are told otherwise; HTTP/2 forbids the header.
    ...(http2 ? {} : { Connection: 'keep-alive' }),
  })
  response.write(`retry: ${SSE_RETRY_MS}\n\n`)
  // The hub reads `destroyed`, `writableLength`, `writableNeedDrain` and `'drain'`/`'close'` of
  // what it writes to, and calls `write`, `end`, `destroy`: an Http2Stream has all of them (the
  // compatibility response does not), so it stands in for the response.
  const sink = http2 ? (response.stream as unknown as ServerResponse) : response

  const { hub, activity, registry } = context
  const subscriber: Subscriber = { response: sink, room, doc: wantsDoc, covers: grant.covers, backlog: { events: [], bytes: 0 } }
  hub.add(subscriber)
  let held: Awaited<ReturnType<RoomRegistry['acquire']>> | undefined
  sink.on('close', () => {
    hub.remove(subscriber)
    if (held) registry.release(held)
    held = undefined
  })
  // Each event must leave at once; an HTTP/2 session's TLS socket has this set (tls-server.ts),
  // and its `socket` here is a proxy that may refuse socket manipulation.
  if (!http2) request.socket.setNoDelay(true)

  const lastId = await replay(context, subscriber, lastEventId, tail)
  if (sink.destroyed) return
  let snapshot: string | undefined
  if (wantsDoc) {
    const acquired = await registry.acquire(room)
    if (sink.destroyed) return registry.release(acquired)
    held = acquired
    await new Promise<void>((resolve) => acquired.whenStored(resolve))
    if (sink.destroyed) return
    const update = Buffer.from(acquired.encodedState()).toString('base64')
    snapshot = encodeSseEvent({ type: 'snapshot', room, at: new Date().toISOString(), update })
  }
  hub.goLive(subscriber, lastId, snapshot)
}

/**
 * Write the stored events the subscriber asked for. Returns the last id written (else the resume
 * point): backlog events above it were stored after the replay's query, so none is lost or doubled.
 */
async function replay(context: ActivityStreamContext, subscriber: Subscriber, lastEventId: number | undefined, tail: number): Promise<number> {
  const { activity, hub } = context
  const { response } = subscriber
  // The replay waits for the subscriber to read, so a long replay is paced by the reader. Live
  // events wait in the backlog meanwhile, within the subscriber's budget; a reader that does not
  // drain in time, or whose backlog would pass the budget, is dropped by the hub.
  const write = async (events: readonly ActivityEvent[]) => {
    for (const event of events) {
      if (response.destroyed) return
      if (!subscriber.covers(event.room)) continue
      if (!response.write(encodeSseEvent(event)) && !(await hub.drained(subscriber))) return
    }
  }
  const writeTail = async () => {
    const events = await activity.tail(tail, subscriber.room)
    await write(events)
    return events.at(-1)?.id ?? 0
  }
  if (lastEventId === undefined) return writeTail()

  const { oldest, newest } = await activity.bounds()
  const lost = oldest !== null && lastEventId < oldest - 1
  const fromTheFuture = lastEventId > (newest ?? 0)
  if (lost || fromTheFuture) {
    hub.write(subscriber, encodeSseEvent({ type: 'reset', at: new Date().toISOString(), requested: lastEventId, oldest }))
    return writeTail()
  }
  let lastId = lastEventId
  for (;;) {
    const events = await activity.after(lastId, subscriber.room, REPLAY_PAGE)
    await write(events)
    lastId = events.at(-1)?.id ?? lastId
    if (events.length < REPLAY_PAGE || response.destroyed) return lastId
  }
}
