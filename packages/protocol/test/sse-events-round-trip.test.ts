/**
 * encodeSseEvent and decodeStreamEvent are one pair: every kind of stream event, written as the
 * server writes it and read by a real EventSource (the `eventsource` package, as Node's stand-in
 * for the browser's), decodes to the event that was sent. Stored events move Last-Event-ID to
 * their id; per-subscriber events (snapshot, update, reset) leave it where it was. Malformed data
 * is refused with a TypeError naming the problem.
 */
import { EventSource } from 'eventsource'
import { describe, expect, it } from 'vitest'
import { decodeStreamEvent, encodeSseEvent, isActivityEvent, STREAM_EVENT_TYPES, type StreamEvent } from '../src/index.js'

const at = '2025-06-01T12:00:00.000Z'

/** One of each kind of event, with the awkward values a name or a text can hold. */
const EVENTS: Array<[string, StreamEvent]> = [
  ['a join by a named user', { id: 1, room: 'notes', at, type: 'join', user: { name: 'Ada', color: '#0090ff' } }],
  ['a join by someone unknown', { id: 2, room: 'notes', at, type: 'join', user: null }],
  ['a leave by a user without a colour', { id: 3, room: 'notes', at, type: 'leave', user: { name: 'Bob', color: null } }],
  ['an edit', { id: 4, room: 'notes', at, type: 'edit', user: { name: 'Zoë 🦊', color: '#e5484d' }, inserted: 12, deleted: 3, length: 1_204 }],
  ['an edit by a name with a newline, a colon and quotes', { id: 5, room: 'a.b_c-d', at, type: 'edit', user: { name: 'data: "x"\nid: 9', color: null }, inserted: 0, deleted: 0, length: 0 }],
  ['a snapshot', { type: 'snapshot', room: 'notes', at, update: 'AQLEn8qhDwAEAQdjb250ZW50BWhlbGxvAA==' }],
  ['an update', { type: 'update', room: 'notes', at, update: 'AQHEn8qhDwUEAQdjb250ZW50ASEA' }],
  ['a reset with an oldest id', { type: 'reset', at, requested: 40, oldest: 1 }],
  ['a reset of an empty log', { type: 'reset', at, requested: 7, oldest: null }],
  ['a named version', { id: 7, room: 'notes', at, type: 'version', user: { name: 'Ada', color: null }, version: { id: 3, name: 'Draft "1"', at } }],
  ['an automatic version', { id: 8, room: 'notes', at, type: 'version', user: null, version: { id: 4, name: null, at } }],
  ['a restore', { id: 9, room: 'notes', at, type: 'restore', user: { name: 'Bob', color: '#0090ff' }, version: 3, inserted: 4, deleted: 9, length: 40 }],
  ['a room deleted by an admin', { id: 11, room: 'notes', at, type: 'deleted', user: { name: 'Root', color: null } }],
  ['a room deleted with auth off', { id: 12, room: 'old.notes', at, type: 'deleted', user: null }],
  ['an edit after the per-subscriber events', { id: 10, room: 'notes', at, type: 'edit', user: null, inserted: 1, deleted: 0, length: 1 }],
]

interface Received {
  type: string
  data: string
  lastEventId: string
}

/**
 * What an EventSource dispatches for a stream whose body is `body`, and the `Last-Event-ID` it
 * sends when it reconnects after that stream ends.
 */
function receive(body: string, count: number): Promise<{ messages: Received[]; resumeFrom: string | undefined }> {
  return new Promise((resolve, reject) => {
    const messages: Received[] = []
    let requests = 0
    const source = new EventSource('http://cowrite.test/api/activity', {
      fetch: async (_url, init) => {
        if (++requests > 1) {
          source.close()
          resolve({ messages, resumeFrom: init?.headers?.['Last-Event-ID'] })
        }
        // `retry: 1`: reconnect at once when this body ends.
        return new Response(requests === 1 ? `retry: 1\n\n${body}` : '', { headers: { 'Content-Type': 'text/event-stream; charset=utf-8' } })
      },
    })
    for (const type of STREAM_EVENT_TYPES) {
      source.addEventListener(type, (message) => {
        messages.push({ type: message.type, data: message.data as string, lastEventId: message.lastEventId })
      })
    }
    source.onerror = () => {
      if (messages.length >= count) return // the end of the body: the reconnect follows
      source.close()
      reject(new Error(`the stream failed after ${messages.length} of ${count} events`))
    }
  })
}

describe('encodeSseEvent → EventSource → decodeStreamEvent', () => {
  it.each(EVENTS)('%s comes back as it was sent', async (_case, event) => {
    const { messages } = await receive(encodeSseEvent(event), 1)
    expect(messages).toHaveLength(1)
    expect(messages[0]!.type).toBe(event.type)
    expect(decodeStreamEvent(messages[0]!.type, messages[0]!.data)).toEqual(event)
    if (isActivityEvent(event)) expect(messages[0]!.lastEventId).toBe(String(event.id))
  })

  it('every kind in one stream comes back in order, and a reconnect resumes after the last stored id', async () => {
    // Ending with a snapshot, an update and resets, none of which may move the resume point.
    const events = EVENTS.slice(0, 9).map(([, event]) => event)
    expect(events.at(-1)!.type).toBe('reset')
    const { messages, resumeFrom } = await receive(events.map(encodeSseEvent).join(''), events.length)
    expect(messages.map((message) => decodeStreamEvent(message.type, message.data))).toEqual(events)
    expect(resumeFrom).toBe('5')
  })

  it('writes the contract’s lines exactly', () => {
    const join = EVENTS[0]![1]
    expect(encodeSseEvent(join)).toBe(`id: 1\nevent: join\ndata: ${JSON.stringify(join)}\n\n`)
    const reset = EVENTS[7]![1]
    expect(encodeSseEvent(reset)).toBe(`event: reset\ndata: ${JSON.stringify(reset)}\n\n`)
  })
})

describe('decodeStreamEvent refuses', () => {
  it.each([
    ['data that is not an object', 'edit', '42', /not an object/],
    ['data of another type', 'edit', JSON.stringify({ ...EVENTS[0]![1] }), /does not match event edit/],
    ['an unknown type', 'rename', JSON.stringify({ type: 'rename' }), /Unknown activity event type/],
    ['an edit without counts', 'edit', JSON.stringify({ id: 1, room: 'r', at, type: 'edit', user: null }), /field inserted is not a number/],
    ['a deleted event without its room', 'deleted', JSON.stringify({ id: 1, at, type: 'deleted', user: null }), /field room is not a string/],
    ['a stored event without an id', 'join', JSON.stringify({ room: 'r', at, type: 'join', user: null }), /field id is not a number/],
    ['a user without a name', 'leave', JSON.stringify({ id: 1, room: 'r', at, type: 'leave', user: { color: '#fff' } }), /neither null nor \{ name \}/],
    ['a snapshot without its update', 'snapshot', JSON.stringify({ type: 'snapshot', room: 'r', at }), /field update is not a string/],
    ['a reset without the id asked for', 'reset', JSON.stringify({ type: 'reset', at, oldest: null }), /field requested is not a number/],
  ])('%s', (_case, type, data, message) => {
    expect(() => decodeStreamEvent(type, data)).toThrow(TypeError)
    expect(() => decodeStreamEvent(type, data)).toThrow(message)
  })
})
