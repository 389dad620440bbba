/**
 * What the feed says and the chart counts, as pure functions: sentences per event kind (with
 * singular/plural and anonymous users), relative times, stable fallback colours, and edits
 * bucketed per minute per user over the last hour.
 */
import { describe as group, expect, it } from 'vitest'
import type { ActivityEvent, EditEvent } from '@cowrite/protocol'
import { describe, relativeTime, sizeLabel, userColor } from '../src/describe.js'
import { bucketByMinute } from '../src/edits-chart.js'
import { continues, describeSession, durationLabel, extend, SESSION_GAP_MS, startSession } from '../src/edit-sessions.js'

const base = { id: 1, room: 'notes', at: '2025-03-01T12:00:00.000Z' }
const ada = { name: 'Ada', color: '#30a46c' }
const edit = (inserted: number, deleted: number, at = base.at, user: EditEvent['user'] = ada): EditEvent => ({ ...base, at, type: 'edit', user, inserted, deleted, length: 100 })

group('plain words', () => {
  it.each<[ActivityEvent, string]>([
    [{ ...base, type: 'join', user: ada }, 'Ada joined'],
    [{ ...base, type: 'leave', user: { name: 'Bob', color: null } }, 'Bob left'],
    [edit(42, 0), 'Ada typed 42 characters'],
    [edit(1, 0), 'Ada typed 1 character'],
    [edit(0, 3, base.at, { name: 'Bob', color: null }), 'Bob deleted 3 characters'],
    [edit(5, 1), 'Ada typed 5 characters and deleted 1 character'],
    [edit(12_345, 0), 'Ada typed 12,345 characters'],
    [{ ...base, type: 'join', user: null }, 'Someone joined'],
    [{ ...base, type: 'version', user: null, version: { id: 3, name: null, at: base.at } }, 'Version 3 saved'],
    [{ ...base, type: 'version', user: ada, version: { id: 4, name: 'Draft', at: base.at } }, 'Ada saved the version “Draft”'],
    [{ ...base, type: 'restore', user: ada, version: 3, inserted: 1, deleted: 2, length: 5 }, 'Ada restored version 3'],
    [{ ...base, type: 'deleted', user: ada }, 'Ada deleted the room and its history'],
  ])('%o reads %s', (event, words) => {
    expect(describe(event)).toBe(words)
  })

  it('gives a user without a colour the same one every time', () => {
    const color = userColor({ name: 'Bob', color: null })
    expect(color).toMatch(/^#[0-9a-f]{6}$/)
    expect(userColor({ name: 'Bob', color: null })).toBe(color)
    expect(userColor(ada)).toBe('#30a46c')
  })

  it.each([
    [2_000, 'just now'],
    [30_000, '30 sec. ago'],
    [3 * 60_000, '3 min. ago'],
    [2 * 3_600_000, '2 hr. ago'],
    [26 * 3_600_000, 'yesterday'],
  ])('%i ms ago reads %s', (ago, words) => {
    const now = new Date('2025-03-01T12:00:00.000Z')
    expect(relativeTime(new Date(now.getTime() - ago), now)).toBe(words)
  })

  it('labels sizes', () => {
    expect([sizeLabel(1), sizeLabel(1204), sizeLabel(12_345), sizeLabel(250_000)]).toEqual(['1 char', '1,204 chars', '12.3k chars', '250k chars'])
  })
})

group('edits per minute', () => {
  it('buckets edit events per minute and user over the last hour, oldest first', () => {
    const now = Date.parse('2025-03-01T12:00:30.000Z')
    const bob = { name: 'Bob', color: '#e5484d' }
    const buckets = bucketByMinute(
      [
        edit(3, 0, '2025-03-01T12:00:10.000Z'),
        edit(2, 1, '2025-03-01T12:00:20.000Z'),
        edit(4, 0, '2025-03-01T11:59:59.000Z', bob),
        edit(9, 0, '2025-03-01T11:00:00.000Z'), // 60 minutes ago: outside the window
        edit(9, 0, '2025-03-01T12:01:00.000Z'), // in the future (clock skew): not drawn
      ],
      now,
    )
    expect(buckets).toHaveLength(60)
    expect(buckets.at(-1)!.ago).toBe(0)
    expect(Object.fromEntries(buckets.at(-1)!.users)).toEqual({ Ada: { edits: 2, inserted: 5, deleted: 1, color: '#30a46c' } })
    expect(Object.fromEntries(buckets.at(-2)!.users)).toEqual({ Bob: { edits: 1, inserted: 4, deleted: 0, color: '#e5484d' } })
    expect(buckets.slice(0, -2).every((bucket) => bucket.users.size === 0)).toBe(true)
  })
})

group('editing sessions', () => {
  const at = (seconds: number) => new Date(Date.parse(base.at) + seconds * 1000).toISOString()
  it('reads one edit in its own words and several as a session with its span and sums', () => {
    let session = startSession(edit(42, 0, at(0)))
    expect(describeSession(session)).toBe('typed 42 characters')
    session = extend(session, edit(100, 10, at(65)))
    session = extend(session, edit(14, 2, at(180)))
    expect(describeSession(session)).toBe('edited for 3 min, +156 −12')
  })

  it('continues for the same person after a pause no longer than the gap, not for someone else', () => {
    const session = startSession(edit(1, 0, at(0)))
    expect(continues(session, edit(1, 0, at(SESSION_GAP_MS / 1000)))).toBe(true)
    expect(continues(session, edit(1, 0, at(SESSION_GAP_MS / 1000 + 1)))).toBe(false)
    expect(continues(session, edit(1, 0, at(5), { name: 'Bob', color: null }))).toBe(false)
  })

  it.each([
    [400, '1 s'],
    [12_000, '12 s'],
    [180_000, '3 min'],
    [3_900_000, '1 h 5 min'],
    [7_200_000, '2 h'],
  ])('says %i ms as %s', (ms, words) => {
    expect(durationLabel(ms)).toBe(words)
  })
})
