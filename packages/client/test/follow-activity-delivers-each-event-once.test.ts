/**
 * followActivity over a scripted EventSource: overlapping replays after reconnects deliver each
 * stored event once, a `reset` lets a restarted sequence through, and the state follows the
 * connection (catching up, live, reconnecting). A real server is exercised by the viewer's
 * browser tests.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { encodeSseEvent, type ActivityEvent, type StreamEvent } from '@cowrite/protocol'
import { activityUrl, followActivity, type EventSourceLike, type FollowState } from '../src/follow-activity.js'

/** An EventSource whose traffic the test writes by hand. */
class ScriptedSource implements EventSourceLike {
  static opened: ScriptedSource[] = []
  readyState = 0
  private readonly listeners = new Map<string, Array<(event: MessageEvent) => void>>()
  constructor(readonly url: string) {
    ScriptedSource.opened.push(this)
  }
  addEventListener(type: string, listener: (event: MessageEvent) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener])
  }
  close(): void {
    this.readyState = 2
  }
  private fire(type: string, data?: string): void {
    for (const listener of this.listeners.get(type) ?? []) listener(new MessageEvent(type, { data }))
  }
  open(): void {
    this.readyState = 1
    this.fire('open')
  }
  /** Send `event` as the server would (parsed back from its SSE encoding). */
  send(event: StreamEvent): void {
    const lines = encodeSseEvent(event).trim().split('\n')
    const type = lines.find((line) => line.startsWith('event: '))!.slice(7)
    this.fire(type, lines.find((line) => line.startsWith('data: '))!.slice(6))
  }
  drop(giveUp = false): void {
    this.readyState = giveUp ? 2 : 0
    this.fire('error')
  }
}

const at = '2025-01-01T00:00:00.000Z'
const edit = (id: number, room = 'notes'): ActivityEvent => ({ id, room, at, type: 'edit', user: { name: 'Ada', color: '#30bced' }, inserted: id, deleted: 0, length: id })

function follow(options: Parameters<typeof followActivity>[3] = {}) {
  const ids: number[] = []
  const states: FollowState[] = []
  const follower = followActivity('http://127.0.0.1:1', 'notes', { activity: (event) => ids.push(event.id), state: (state) => states.push(state) }, { EventSource: ScriptedSource, ...options })
  return { follower, ids, states, source: () => ScriptedSource.opened.at(-1)! }
}

afterEach(() => {
  ScriptedSource.opened = []
  vi.useRealTimers()
})

describe('followActivity', () => {
  it('builds the stream URL with doc, tail, resume point and token', () => {
    expect(activityUrl('http://h:1/', 'notes', { doc: true, tail: 10, token: 't k' })).toBe('http://h:1/api/rooms/notes/activity?doc=1&tail=10&token=t+k')
    expect(activityUrl('http://h:1/base/', undefined, { lastEventId: 7, tail: 10 })).toBe('http://h:1/base/api/activity?lastEventId=7')
    expect(() => activityUrl('http://h:1', undefined, { doc: true })).toThrow(RangeError)
  })

  it('delivers an event replayed after a reconnect only once', () => {
    const { ids, source } = follow()
    source().open()
    for (const id of [1, 2, 3]) source().send(edit(id))
    source().drop()
    // The server replays from the Last-Event-ID EventSource sends; an overlap must not show twice.
    source().open()
    for (const id of [2, 3, 4, 5]) source().send(edit(id))
    source().send(edit(4))
    expect(ids).toEqual([1, 2, 3, 4, 5])
  })

  it('starts after options.lastEventId and never delivers it or anything before', () => {
    const { ids, source } = follow({ lastEventId: 10 })
    expect(source().url).toContain('lastEventId=10')
    source().open()
    for (const id of [9, 10, 11]) source().send(edit(id))
    expect(ids).toEqual([11])
  })

  it('accepts lower ids after a reset (a store that was wiped restarts its sequence)', () => {
    const resets: number[] = []
    const ids: number[] = []
    followActivity('http://127.0.0.1:1', 'notes', { activity: (event) => ids.push(event.id), reset: (event) => resets.push(event.requested) }, { EventSource: ScriptedSource })
    const source = ScriptedSource.opened[0]!
    source.open()
    for (const id of [40, 41]) source.send(edit(id))
    source.drop()
    source.open()
    source.send({ type: 'reset', at, requested: 41, oldest: 1 })
    for (const id of [1, 2]) source.send(edit(id))
    source.send(edit(2))
    expect(resets).toEqual([41])
    expect(ids).toEqual([40, 41, 1, 2])
  })

  it('reports catching up with a count, then live after the snapshot', () => {
    const { states, source } = follow({ doc: true })
    source().open()
    source().send(edit(1))
    source().send(edit(2))
    source().send({ type: 'snapshot', room: 'notes', at, update: 'AAA=' })
    expect(states.map((state) => (state.status === 'catching-up' ? `catching-up ${state.received}` : state.status))).toEqual(['catching-up 0', 'catching-up 1', 'catching-up 2', 'live'])
  })

  it('goes live after a quiet spell without a snapshot, and reports reconnecting on a drop', () => {
    vi.useFakeTimers()
    const { states, source } = follow({ quietMs: 100 })
    source().open()
    source().send(edit(1))
    vi.advanceTimersByTime(99)
    expect(states.at(-1)).toEqual({ status: 'catching-up', received: 1 })
    vi.advanceTimersByTime(1)
    expect(states.at(-1)).toEqual({ status: 'live' })
    source().drop()
    expect(states.at(-1)?.status).toBe('reconnecting')
  })

  it('replaces an EventSource the browser gave up on, resuming after the last delivered id', () => {
    vi.useFakeTimers()
    const { ids, source } = follow({ retryMs: 500, tail: 20 })
    expect(source().url).toContain('tail=20')
    source().open()
    for (const id of [5, 6]) source().send(edit(id))
    source().drop(true)
    expect(ScriptedSource.opened).toHaveLength(1)
    vi.advanceTimersByTime(500)
    expect(ScriptedSource.opened).toHaveLength(2)
    expect(source().url).toContain('lastEventId=6')
    expect(source().url).not.toContain('tail=')
    source().open()
    for (const id of [6, 7]) source().send(edit(id))
    expect(ids).toEqual([5, 6, 7])
  })

  it('skips a malformed message, reports it, and stops at close', () => {
    const errors: Error[] = []
    const ids: number[] = []
    const follower = followActivity('http://127.0.0.1:1', 'notes', { activity: (event) => ids.push(event.id), error: (error) => errors.push(error) }, { EventSource: ScriptedSource })
    const source = ScriptedSource.opened[0]!
    source.open()
    ;(source as unknown as { fire(type: string, data: string): void }).fire('edit', '{"type":"edit","id":"x"}')
    source.send(edit(1))
    follower.close()
    source.send(edit(2))
    expect(errors).toHaveLength(1)
    expect(ids).toEqual([1])
    expect(follower.state).toEqual({ status: 'closed' })
    expect(source.readyState).toBe(2)
  })
})
