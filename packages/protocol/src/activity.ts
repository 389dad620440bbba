/**
 * Activity events: what the server tells read-only viewers over Server-Sent Events.
 *
 * Stored events (`join`, `leave`, `edit`, `version`, `restore`, `deleted`) carry an `id` from one strictly increasing sequence over
 * all rooms and travel as
 *
 *   id: <id>
 *   event: <type>
 *   data: <one-line JSON of the whole event>
 *
 * Per-subscriber events (`snapshot`, `update`, `reset`) are not stored and have no `id:` line, so
 * they never move a client's Last-Event-ID.
 */

/** Who did something: the token's name, else the awareness `user`, else null. */
export type ActivityUser = { name: string; color: string | null } | null

interface StoredBase {
  id: number
  room: string
  /** ISO 8601 time. */
  at: string
  user: ActivityUser
}

export interface JoinEvent extends StoredBase {
  type: 'join'
}

export interface LeaveEvent extends StoredBase {
  type: 'leave'
}

/** Characters inserted and deleted in `content` (coalesced per user, at most one a second), and the new length. */
export interface EditEvent extends StoredBase {
  type: 'edit'
  inserted: number
  deleted: number
  length: number
}

/** A version was recorded (automatically after a burst of editing, or named); `user` named it. */
export interface VersionEvent extends StoredBase {
  type: 'version'
  version: { id: number; name: string | null; at: string }
}

/** `user` made the text a version's again, through one ordinary change. */
export interface RestoreEvent extends StoredBase {
  type: 'restore'
  version: number
  inserted: number
  deleted: number
  length: number
}

/**
 * `user` deleted the room: its document and history are gone, and the name now stands for a new,
 * empty room. Clients showing it should say so rather than keep a stale copy.
 */
export interface DeletedEvent extends StoredBase {
  type: 'deleted'
}

/** An event of the stored activity log. */
export type ActivityEvent = JoinEvent | LeaveEvent | EditEvent | VersionEvent | RestoreEvent | DeletedEvent

/** An activity event before the log has given it an id. */
export type NewActivityEvent =
  | Omit<JoinEvent, 'id'>
  | Omit<LeaveEvent, 'id'>
  | Omit<EditEvent, 'id'>
  | Omit<VersionEvent, 'id'>
  | Omit<RestoreEvent, 'id'>
  | Omit<DeletedEvent, 'id'>

/** The whole document as a base64 Yjs update, sent once per `?doc=1` (re)connection. */
export interface SnapshotEvent {
  type: 'snapshot'
  room: string
  at: string
  update: string
}

/** A live base64 Yjs update for a `?doc=1` replica. */
export interface UpdateEvent {
  type: 'update'
  room: string
  at: string
  update: string
}

/** The requested resume point is not retained (or is from a reset store): a tail follows. */
export interface ResetEvent {
  type: 'reset'
  at: string
  /** The Last-Event-ID asked for. */
  requested: number
  /** The oldest id still retained, or null when the log is empty. */
  oldest: number | null
}

/** Anything that can arrive on an activity stream. */
export type StreamEvent = ActivityEvent | SnapshotEvent | UpdateEvent | ResetEvent

export const ACTIVITY_TYPES = ['join', 'leave', 'edit', 'version', 'restore', 'deleted'] as const
export const STREAM_EVENT_TYPES = [...ACTIVITY_TYPES, 'snapshot', 'update', 'reset'] as const

export type StreamEventType = StreamEvent['type']

/** The reconnection delay the server asks for in its first `retry:` line. */
export const SSE_RETRY_MS = 2000

/** Whether a stream event is one of the stored, id-carrying activity events. */
export function isActivityEvent(event: StreamEvent): event is ActivityEvent {
  return (ACTIVITY_TYPES as readonly string[]).includes(event.type)
}

/** One SSE message for `event`, mirroring `decodeStreamEvent`. Only stored events get an `id:` line. */
export function encodeSseEvent(event: StreamEvent): string {
  const data = JSON.stringify(event)
  return isActivityEvent(event) ? `id: ${event.id}\nevent: ${event.type}\ndata: ${data}\n\n` : `event: ${event.type}\ndata: ${data}\n\n`
}

/**
 * Parse the `data` of an SSE message of type `type`, checking the fields every consumer relies
 * on. Throws a TypeError naming the problem, so a malformed message never becomes a half event.
 */
export function decodeStreamEvent(type: string, data: string): StreamEvent {
  const value: unknown = JSON.parse(data)
  if (typeof value !== 'object' || value === null) throw new TypeError(`Activity ${type} data is not an object: ${data}`)
  const event = value as Record<string, unknown>
  if (event.type !== type) throw new TypeError(`Activity data type ${String(event.type)} does not match event ${type}`)
  const expect = (field: string, kind: 'string' | 'number') => {
    if (typeof event[field] !== kind) throw new TypeError(`Activity ${type} field ${field} is not a ${kind}: ${data}`)
  }
  const expectStored = () => {
    expect('id', 'number')
    expect('room', 'string')
    expect('at', 'string')
    if (event.user !== null && (typeof event.user !== 'object' || typeof (event.user as { name?: unknown }).name !== 'string')) {
      throw new TypeError(`Activity ${type} field user is neither null nor { name }: ${data}`)
    }
  }
  switch (type) {
    case 'edit':
      expectStored()
      expect('inserted', 'number')
      expect('deleted', 'number')
      expect('length', 'number')
      break
    case 'join':
    case 'leave':
    case 'deleted':
      expectStored()
      break
    case 'version': {
      expectStored()
      const version = event.version as Record<string, unknown> | null
      if (typeof version !== 'object' || version === null || typeof version.id !== 'number' || typeof version.at !== 'string') {
        throw new TypeError(`Activity version field version is not { id, name, at }: ${data}`)
      }
      break
    }
    case 'restore':
      expectStored()
      expect('version', 'number')
      expect('inserted', 'number')
      expect('deleted', 'number')
      expect('length', 'number')
      break
    case 'snapshot':
    case 'update':
      expect('room', 'string')
      expect('update', 'string')
      break
    case 'reset':
      expect('requested', 'number')
      break
    default:
      throw new TypeError(`Unknown activity event type ${JSON.stringify(type)}`)
  }
  return event as unknown as StreamEvent
}
