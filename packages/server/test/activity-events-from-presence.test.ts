/**
 * Join, edit and leave events carry the user from the connection's awareness state, and a burst
 * of typing is coalesced into at most one edit event per second per user.
 */
import { describe, expect, it } from 'vitest'
import type { ActivityEvent, EditEvent } from '@cowrite/protocol'
import { connectClient } from './helpers/client.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { openSse } from './helpers/sse.js'

const scope = useScope()
const ada = { name: 'Ada', color: '#ff0066' }

describe('activity events', () => {
  it('reports join, edit and leave with the user from awareness', async () => {
    const server = await startServer(scope)
    const stream = await openSse(scope, `${server.url}/api/rooms/presence/activity`)
    const client = await connectClient(scope, server.wsUrl, 'presence', { user: ada })
    client.text.insert(0, 'hello world')
    await stream.waitFor('join and edit', (events) => events.some((e) => e.type === 'edit'))
    client.text.delete(0, 6)
    await stream.waitFor('the trailing edit', (events) => events.filter((e) => e.type === 'edit').length === 2, 3000)
    client.destroy()
    const stored = (await stream.waitFor('leave', (all) => all.some((e) => e.type === 'leave'))) as ActivityEvent[]
    // The last editor leaving also records a version: not what this test is about.
    const events = stored.filter((e) => e.type !== 'version')

    expect(events.map((e) => e.type)).toEqual(['join', 'edit', 'edit', 'leave'])
    for (const event of events) {
      expect(event.room).toBe('presence')
      expect(event.user).toEqual({ name: 'Ada', color: '#ff0066' })
      expect(Number.isNaN(Date.parse(event.at))).toBe(false)
    }
    const [first, second] = events.filter((e): e is EditEvent => e.type === 'edit')
    expect(first).toMatchObject({ inserted: 11, deleted: 0, length: 11 })
    expect(second).toMatchObject({ inserted: 0, deleted: 6, length: 5 })
    const ids = stored.map((e) => e.id)
    expect([...ids].sort((a, b) => a - b)).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
    expect(stream.messages.filter((m) => m.event !== 'message').map((m) => Number(m.id))).toEqual(ids)
  })

  it('reports a user null when the client never announces one, after waiting for it', async () => {
    const server = await startServer(scope, { activity: { joinWaitMs: 50 } })
    const stream = await openSse(scope, `${server.url}/api/rooms/anonymous/activity`)
    await connectClient(scope, server.wsUrl, 'anonymous', { user: null })
    const events = await stream.waitFor('join', (all) => all.some((e) => e.type === 'join'))
    expect(events[0]).toMatchObject({ type: 'join', user: null })
  })

  it('coalesces a burst of typing: the first change at once, the rest summed in one trailing event', async () => {
    const server = await startServer(scope, { activity: { coalesceMs: 400 } })
    const stream = await openSse(scope, `${server.url}/api/rooms/burst/activity`)
    const client = await connectClient(scope, server.wsUrl, 'burst', { user: ada })
    await stream.waitFor('join', (all) => all.some((e) => e.type === 'join'))
    // 30 keystrokes in one quick burst, each its own update message.
    for (let i = 0; i < 30; i++) client.text.insert(client.text.length, 'x')
    const events = await stream.waitFor('edits summing to 30', (all) => sum(all) === 30, 3000)
    const edits = events.filter((e): e is EditEvent => e.type === 'edit')
    expect(edits.length).toBeLessThanOrEqual(2)
    expect(edits.at(-1)!.length).toBe(30)
    expect(edits.every((e) => e.user?.name === 'Ada')).toBe(true)
  })

  it('flushes pending sums when the user leaves', async () => {
    const server = await startServer(scope, { activity: { coalesceMs: 60_000 } })
    const stream = await openSse(scope, `${server.url}/api/rooms/flush/activity`)
    const client = await connectClient(scope, server.wsUrl, 'flush', { user: ada })
    client.text.insert(0, 'a')
    await stream.waitFor('first edit', (all) => sum(all) === 1)
    client.text.insert(1, 'bcd')
    // The trailing event would come a minute later; the leave must flush it first.
    client.destroy()
    const events = await stream.waitFor('leave', (all) => all.some((e) => e.type === 'leave'))
    // The last editor leaving also records a version: not what this test is about.
    expect(events.map((e) => e.type).filter((type) => type !== 'version')).toEqual(['join', 'edit', 'edit', 'leave'])
    expect(sum(events)).toBe(4)
  })
})

function sum(events: readonly { type: string }[]): number {
  return events.filter((e): e is EditEvent => e.type === 'edit').reduce((total, e) => total + e.inserted, 0)
}
