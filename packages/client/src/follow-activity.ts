/**
 * `followActivity`: one room's activity stream (or every room's), over one EventSource, delivered
 * to typed handlers exactly once per stored event.
 *
 * The browser's EventSource reconnects by itself and resumes with a `Last-Event-ID` header; the
 * server then replays every stored event after it. This module adds what EventSource leaves out:
 * - dedupe: a stored event whose id is not above the last one delivered is dropped, so a replay
 *   that overlaps what was already seen never shows twice (after a `reset` the server's log may
 *   restart its ids, so the baseline is cleared and the tail that follows is accepted);
 * - a connection state: `connecting`, `catching-up` (the replay after an open, with a count of the
 *   events received so far), `live`, `reconnecting`;
 * - a fresh EventSource, resuming with `?lastEventId=` from the last delivered id, when the
 *   browser gives up on one (it does on any HTTP error or wrong content type, e.g. behind a proxy
 *   answering 502 while the server restarts).
 *
 * The stream's wire format and event types are @cowrite/protocol's; the end of a replay is not
 * marked on the wire, so "caught up" is the `snapshot` of a `?doc=1` stream, or else a short quiet
 * spell after the last replayed event.
 */
import {
  decodeStreamEvent,
  isActivityEvent,
  STREAM_EVENT_TYPES,
  type ActivityEvent,
  type EditEvent,
  type JoinEvent,
  type LeaveEvent,
  type ResetEvent,
  type SnapshotEvent,
  type StreamEvent,
  type UpdateEvent,
} from '@cowrite/protocol'
import { serverUrls } from './server-url.js'

/** Where a follower is: each change is reported to `FollowHandlers.state`. */
export type FollowState =
  | { status: 'connecting' }
  /** Connected, receiving the replay; `received` counts the replayed events delivered so far. */
  | { status: 'catching-up'; received: number }
  | { status: 'live' }
  /** The connection dropped; EventSource (or this module) is trying again. */
  | { status: 'reconnecting'; since: Date }
  | { status: 'closed' }

export interface FollowHandlers {
  join?(event: JoinEvent): void
  leave?(event: LeaveEvent): void
  edit?(event: EditEvent): void
  /** Every stored event (join, leave, edit), after its own handler. */
  activity?(event: ActivityEvent): void
  /** The whole document (`doc: true` only), once per (re)connection. */
  snapshot?(event: SnapshotEvent): void
  /** A live document update (`doc: true` only). */
  update?(event: UpdateEvent): void
  /** The resume point was not retained, or the log was reset: the latest events follow. */
  reset?(event: ResetEvent): void
  state?(state: FollowState): void
  /** A message that did not decode (it is skipped). */
  error?(error: Error): void
}

export interface FollowOptions {
  /** Also receive the document: a `snapshot` per connection, then live `update`s (room streams only). */
  doc?: boolean
  /** Sent as `?token=`: EventSource cannot send an Authorization header. */
  token?: string
  /** Events replayed on a first connection without `lastEventId` (server default 50, at most 1000). */
  tail?: number
  /** Resume after this id instead of starting with the tail; events up to it are never delivered. */
  lastEventId?: number
  /** For Node, where there is no global EventSource (pass the `eventsource` package's). */
  EventSource?: EventSourceConstructor
  /** Quiet time after which a replay without a `snapshot` counts as caught up. Default 250 ms. */
  quietMs?: number
  /** Delay before replacing an EventSource the browser gave up on; doubles up to 30 s. Default 2000 ms. */
  retryMs?: number
}

/** The part of the EventSource constructor this module uses. */
export type EventSourceConstructor = new (url: string) => EventSourceLike

/** The part of an EventSource this module uses. */
export interface EventSourceLike {
  readonly readyState: number
  addEventListener(type: string, listener: (event: MessageEvent) => void): void
  close(): void
}

export interface ActivityFollower {
  /** The id of the last stored event delivered, or null before the first. */
  readonly lastEventId: number | null
  readonly state: FollowState
  close(): void
}

const CLOSED = 2
const MAX_RETRY_MS = 30_000

/** The stream URL for `room` (every room when undefined) on the server at `url`. */
export function activityUrl(url: string | URL, room: string | undefined, options: Omit<FollowOptions, 'EventSource' | 'quietMs' | 'retryMs'> = {}): string {
  if (options.doc && room === undefined) throw new RangeError('followActivity: doc: true needs a room (the all-rooms stream carries no document)')
  const path = room === undefined ? '/api/activity' : `/api/rooms/${encodeURIComponent(room)}/activity`
  const query = new URLSearchParams()
  if (options.doc) query.set('doc', '1')
  if (options.lastEventId !== undefined) query.set('lastEventId', String(options.lastEventId))
  else if (options.tail !== undefined) query.set('tail', String(options.tail))
  if (options.token) query.set('token', options.token)
  const search = query.toString()
  return `${serverUrls(url).httpUrl}${path}${search ? `?${search}` : ''}`
}

/**
 * Follow the activity of `room` (every room when undefined) on the server at `url`. Each stored
 * event reaches its handler once, in id order, across reconnects and server restarts.
 */
export function followActivity(url: string | URL, room: string | undefined, handlers: FollowHandlers, options: FollowOptions = {}): ActivityFollower {
  const Source = options.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource
  if (!Source) throw new TypeError('followActivity: no EventSource in this environment; pass options.EventSource')
  for (const [name, value] of [['tail', options.tail], ['lastEventId', options.lastEventId]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) throw new RangeError(`followActivity: ${name} must be a non-negative integer, got ${value}`)
  }
  const quietMs = options.quietMs ?? 250
  const baseRetryMs = options.retryMs ?? 2000

  let lastId: number | null = options.lastEventId ?? null
  let state: FollowState = { status: 'connecting' }
  let source: EventSourceLike | undefined
  let quietTimer: ReturnType<typeof setTimeout> | undefined
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let retryMs = baseRetryMs
  let closed = false

  const setState = (next: FollowState) => {
    if (next.status === state.status && (next.status !== 'catching-up' || (state as { received: number }).received === next.received)) return
    state = next
    handlers.state?.(next)
  }

  const armQuietTimer = () => {
    clearTimeout(quietTimer)
    quietTimer = setTimeout(() => {
      if (state.status === 'catching-up') setState({ status: 'live' })
    }, quietMs)
  }

  const deliver = (event: StreamEvent) => {
    if (isActivityEvent(event)) {
      if (lastId !== null && event.id <= lastId) return
      lastId = event.id
      if (state.status === 'catching-up') {
        setState({ status: 'catching-up', received: state.received + 1 })
        armQuietTimer()
      }
      if (event.type === 'join') handlers.join?.(event)
      else if (event.type === 'leave') handlers.leave?.(event)
      else if (event.type === 'edit') handlers.edit?.(event)
      handlers.activity?.(event)
      return
    }
    switch (event.type) {
      case 'reset':
        // The ids after a reset may restart below ours (a store that was wiped): accept the tail.
        lastId = null
        handlers.reset?.(event)
        break
      case 'snapshot':
        // The snapshot follows the replay: whatever comes next is live.
        clearTimeout(quietTimer)
        handlers.snapshot?.(event)
        setState({ status: 'live' })
        break
      case 'update':
        handlers.update?.(event)
        break
    }
  }

  const open = (resumeAfter: number | null) => {
    const streamUrl = activityUrl(url, room, {
      doc: options.doc,
      token: options.token,
      tail: options.tail,
      lastEventId: resumeAfter ?? undefined,
    })
    const current = new Source(streamUrl)
    source = current
    current.addEventListener('open', () => {
      if (closed || source !== current) return
      retryMs = baseRetryMs
      setState({ status: 'catching-up', received: 0 })
      armQuietTimer()
    })
    current.addEventListener('error', () => {
      if (closed || source !== current) return
      clearTimeout(quietTimer)
      if (state.status !== 'reconnecting') setState({ status: 'reconnecting', since: new Date() })
      if (current.readyState !== CLOSED) return // EventSource retries by itself, with Last-Event-ID.
      // The browser gave up (an HTTP error or a wrong content type): start over from our last id.
      current.close()
      clearTimeout(retryTimer)
      retryTimer = setTimeout(() => {
        if (!closed) open(lastId)
      }, retryMs)
      retryMs = Math.min(MAX_RETRY_MS, retryMs * 2)
    })
    for (const type of STREAM_EVENT_TYPES) {
      current.addEventListener(type, (message: MessageEvent) => {
        if (closed || source !== current) return
        let event: StreamEvent
        try {
          event = decodeStreamEvent(type, String(message.data))
        } catch (error) {
          handlers.error?.(error as Error)
          return
        }
        deliver(event)
      })
    }
  }

  open(lastId)

  return {
    get lastEventId() {
      return lastId
    },
    get state() {
      return state
    },
    close() {
      if (closed) return
      closed = true
      clearTimeout(quietTimer)
      clearTimeout(retryTimer)
      source?.close()
      setState({ status: 'closed' })
    },
  }
}
