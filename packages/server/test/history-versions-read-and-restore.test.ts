/**
 * History over real HTTP with stock clients typing (design.md "History"): the text at every
 * instant a reader saw is exactly what `?at=` answers, and a named version's text is what
 * `?version=` answers, across compaction, checkpoints and a restart on the same SQLite file;
 * a restore reaches every connected client and a `?doc=1` replica as one ordinary change, with a
 * `restore` event and a new version; authors come from tokens and from awareness; automatic
 * versions follow a burst's end and the last editor leaving.
 */
import { join } from 'node:path'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import type { ActivityEvent, RestoreEvent, SnapshotEvent, UpdateEvent, Version, VersionChanges, VersionEvent } from '@cowrite/protocol'
import { signToken } from '../src/auth/tokens.js'
import { createSqliteStorage, type SqliteStorage } from '../src/storage/sqlite.js'
import { connectClient, type StockClient } from './helpers/client.js'
import { tempDir } from './helpers/cowrite-process.js'
import { createRandom, randomEdit, testSeed } from './helpers/prng.js'
import { useScope } from './helpers/scope.js'
import { startServer, type TestServer } from './helpers/server.js'
import { openSse } from './helpers/sse.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()

function post(server: TestServer, path: string, body: unknown, token?: string) {
  return server.get(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** Wait until the server's stored text is `client`'s: what a reader of the text route sees. */
async function stored(server: TestServer, room: string, client: StockClient): Promise<string> {
  const expected = client.text.toString()
  await waitUntil('the text is stored', async () => (await server.get(`/api/rooms/${room}/text`)).text === expected)
  return expected
}

function openStore(path: string): SqliteStorage {
  return createSqliteStorage({ path, compactAfterCount: 25 })
}

describe('a room\'s history', () => {
  it('answers ?at= exactly for every instant a reader saw, and ?version= for named versions, across compaction, checkpoints and a restart', async () => {
    const seed = testSeed(1411)
    const random = createRandom(seed)
    const path = join(tempDir(scope), 'cowrite.db')
    let storage = openStore(path)
    let server = await startServer(scope, { storage })
    const ada = await connectClient(scope, server.wsUrl, 'story', { user: { name: 'Ada', color: '#0090ff' } })

    const seen: Array<{ at: string; text: string }> = [{ at: new Date(Date.now() - 60_000).toISOString(), text: '' }]
    const named: Array<{ version: Version; text: string }> = []
    for (let step = 0; step < 60; step++) {
      for (let i = 0; i < 3; i++) randomEdit(random, ada.text)
      const text = await stored(server, 'story', ada)
      seen.push({ at: new Date().toISOString(), text })
      if (step % 20 === 10) {
        const answer = await post(server, '/api/rooms/story/versions', { name: `Draft ${step}` })
        expect(answer.status, answer.text).toBe(201)
        named.push({ version: answer.json<Version>(), text })
      }
      if (step === 30) await storage.history.checkpoint('story')
    }
    await storage.compactionsSettled()
    const rows = (table: string) => (storage.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
    expect(rows('checkpoints')).toBeGreaterThan(0)
    expect(rows('snapshots'), 'the log was compacted').toBe(1)

    const check = async (label: string) => {
      for (const { at, text } of seen) {
        const answer = await server.get(`/api/rooms/story/text?at=${encodeURIComponent(at)}`)
        expect(answer.status).toBe(200)
        expect(answer.text, `${label}: text at ${at} (seed ${seed})`).toBe(text)
      }
      for (const { version, text } of named) {
        expect((await server.get(`/api/rooms/story/text?version=${version.id}`)).text, `${label}: version ${version.name}`).toBe(text)
      }
      const versions = (await server.get('/api/rooms/story/versions')).json<Version[]>()
      expect(versions.filter((version) => version.name !== null).map((version) => version.name)).toEqual(named.map(({ version }) => version.name).reverse())
      for (const version of versions) expect(version.authors).toEqual([{ name: 'Ada', color: '#0090ff' }])
    }
    await check('before the restart')
    ada.doc.getMap('meta').set('title', 'The story')
    await waitUntil('the title is stored', () => storage.db.prepare('SELECT title FROM rooms').pluck().get() === 'The story')

    ada.destroy()
    await server.close()
    storage = openStore(path)
    server = await startServer(scope, { storage })
    // The stored summary, before anything loads the room again.
    expect((await server.get('/api/rooms')).json()).toEqual([expect.objectContaining({ name: 'story', connections: 0, title: 'The story' })])
    await check('after the restart')
  })

  it('restores a version as one change every client and a ?doc=1 replica receive, with a restore event and a new version', async () => {
    const server = await startServer(scope)
    const ada = await connectClient(scope, server.wsUrl, 'notes', { user: { name: 'Ada', color: '#e5484d' } })
    const bob = await connectClient(scope, server.wsUrl, 'notes', { user: { name: 'Bob', color: '#30a46c' } })
    ada.text.insert(0, 'The first draft, kept.')
    await stored(server, 'notes', ada)
    const first = (await post(server, '/api/rooms/notes/versions', { name: 'First' })).json<Version>()
    bob.text.insert(0, 'Bob rewrote it: ')
    ada.text.delete(ada.text.length - 'kept.'.length, 'kept.'.length)
    await waitUntil('the clients agree', () => ada.text.toString() === bob.text.toString(), { on: [[ada.doc, 'update']] })
    await stored(server, 'notes', ada)

    const stream = await openSse(scope, `${server.url}/api/rooms/notes/activity?doc=1`)
    await stream.waitFor('the snapshot', (events) => events.some((event) => event.type === 'snapshot'))
    const answer = await post(server, '/api/rooms/notes/restore', { version: first.id })
    expect(answer.status, answer.text).toBe(200)
    const restored = answer.json<{ restored: number; inserted: number; deleted: number; length: number; version: Version }>()
    expect(restored).toMatchObject({ restored: first.id, length: 'The first draft, kept.'.length })
    expect(restored.inserted).toBe('kept.'.length)
    expect(restored.deleted).toBe('Bob rewrote it: '.length)
    expect(restored.version.id).toBeGreaterThan(first.id)

    for (const client of [ada, bob]) {
      await waitUntil('the restore reached a client', () => client.text.toString() === 'The first draft, kept.', { on: [[client.doc, 'update']] })
    }
    const replica = new Y.Doc()
    scope.defer(() => replica.destroy())
    await stream.waitFor('the restore and its version', (events) => events.some((event) => event.type === 'version' && event.version.id === restored.version.id))
    for (const event of stream.events()) {
      if (event.type === 'snapshot' || event.type === 'update') Y.applyUpdate(replica, Buffer.from((event as SnapshotEvent | UpdateEvent).update, 'base64'))
    }
    expect(replica.getText('content').toString()).toBe('The first draft, kept.')
    const activity = stream.events().filter((event): event is ActivityEvent => 'id' in event)
    const restore = activity.find((event): event is RestoreEvent => event.type === 'restore')!
    expect(restore).toMatchObject({ version: first.id, inserted: restored.inserted, deleted: restored.deleted, length: restored.length })
    // The restore is reported as a restore, not as an edit of nobody.
    expect(activity.filter((event) => event.type === 'edit' && event.user === null)).toEqual([])
    const versionEvent = activity.find((event): event is VersionEvent => event.type === 'version' && event.version.id === restored.version.id)!
    expect(activity.indexOf(versionEvent)).toBeGreaterThan(activity.indexOf(restore))
    // History is only added to: the versions before the restore still read as they did.
    expect((await server.get(`/api/rooms/notes/text?version=${first.id}`)).text).toBe('The first draft, kept.')
    // Restoring the version the text already is changes nothing and records nothing.
    const again = (await post(server, '/api/rooms/notes/restore', { version: first.id })).json<{ inserted: number; version: Version | null }>()
    expect(again).toMatchObject({ inserted: 0, version: null })
  })

  it('lists as authors since the previous version the token names and the awareness names of tokens that name nobody', async () => {
    const secret = 'history-secret'
    const server = await startServer(scope, { authSecret: secret })
    const adaToken = await signToken(secret, { sub: 'ada', name: 'Ada', room: 'team', role: 'edit' }, 3600)
    // A shared link's token names nobody: its holder's awareness name is theirs.
    const shared = await post(server, '/api/rooms/team/share', { role: 'edit' }, adaToken)
    expect(shared.status, shared.text).toBe(200)
    const guestToken = new URL(shared.json<{ url: string }>().url).searchParams.get('token')!
    const ada = await connectClient(scope, server.wsUrl, 'team', { params: { token: adaToken }, user: { name: 'Not Ada', color: '#111111' } })
    const guest = await connectClient(scope, server.wsUrl, 'team', { params: { token: guestToken }, user: { name: 'Grace', color: '#ffb224' } })

    ada.text.insert(0, 'Ada wrote this. ')
    await waitUntil('the guest has it', () => guest.text.length > 0, { on: [[guest.doc, 'update']] })
    guest.text.insert(guest.text.length, 'Grace added this.')
    await waitUntil('Ada has it', () => ada.text.toString().endsWith('this.') && ada.text.length > 20, { on: [[ada.doc, 'update']] })
    const get = (path: string) => server.get(path, { headers: { Authorization: `Bearer ${adaToken}` } })
    await waitUntil('stored', async () => (await get('/api/rooms/team/text')).text === ada.text.toString())
    const first = (await post(server, '/api/rooms/team/versions', { name: 'Both' }, adaToken)).json<Version>()
    expect(first.authors).toEqual([
      { name: 'Ada', color: '#111111' },
      { name: 'Grace', color: '#ffb224' },
    ])
    guest.text.insert(0, '! ')
    await waitUntil('stored', async () => (await get('/api/rooms/team/text')).text === guest.text.toString())
    const second = (await post(server, '/api/rooms/team/versions', { name: 'Grace only' }, adaToken)).json<Version>()
    expect(second.authors).toEqual([{ name: 'Grace', color: '#ffb224' }])
  })

  it('marks what changed since the previous version, insertions and deletions, each with its author', async () => {
    const server = await startServer(scope)
    const ada = await connectClient(scope, server.wsUrl, 'diff', { user: { name: 'Ada', color: '#e5484d' } })
    const bob = await connectClient(scope, server.wsUrl, 'diff', { user: { name: 'Bob', color: '#30a46c' } })
    ada.text.insert(0, 'Hello there, friend')
    await waitUntil('Bob has it', () => bob.text.length === 19, { on: [[bob.doc, 'update']] })
    await stored(server, 'diff', ada)
    const first = (await post(server, '/api/rooms/diff/versions', { name: 'One' })).json<Version>()
    bob.text.delete(6, 'there'.length)
    bob.text.insert(6, 'world')
    await waitUntil('Ada has it', () => ada.text.toString() === 'Hello world, friend', { on: [[ada.doc, 'update']] })
    ada.text.insert(ada.text.length, '!')
    await waitUntil('Bob has it', () => bob.text.toString() === 'Hello world, friend!', { on: [[bob.doc, 'update']] })
    await stored(server, 'diff', ada)
    const second = (await post(server, '/api/rooms/diff/versions', { name: 'Two' })).json<Version>()

    const changes = (await server.get(`/api/rooms/diff/changes?version=${second.id}`)).json<VersionChanges>()
    expect(changes.version.id).toBe(second.id)
    expect(changes.previous?.id).toBe(first.id)
    const join = (kinds: string[]) => changes.parts.filter((part) => kinds.includes(part.change)).map((part) => part.text).join('')
    expect(join(['kept', 'inserted']), 'the version\'s text').toBe('Hello world, friend!')
    expect(join(['kept', 'deleted']), 'the previous version\'s text').toBe('Hello there, friend')
    const marked = changes.parts.filter((part) => part.change !== 'kept').map(({ text, change, author }) => ({ text, change, author: author?.name }))
    expect(marked).toEqual(
      expect.arrayContaining([
        { text: 'there', change: 'deleted', author: 'Bob' },
        { text: 'world', change: 'inserted', author: 'Bob' },
        { text: '!', change: 'inserted', author: 'Ada' },
      ]),
    )
    expect(marked).toHaveLength(3)
    // The first version: everything inserted, by Ada.
    const initial = (await server.get(`/api/rooms/diff/changes?version=${first.id}`)).json<VersionChanges>()
    expect(initial.previous).toBeNull()
    expect(initial.parts).toEqual([{ text: 'Hello there, friend', change: 'inserted', author: { name: 'Ada', color: '#e5484d' } }])
    expect((await server.get('/api/rooms/diff/changes?version=77')).status).toBe(404)
  })

  it('records an automatic version each time a burst of editing goes quiet', async () => {
    const server = await startServer(scope, { versionTiming: { quietMs: 300, maxBurstMs: 60_000 } })
    const stream = await openSse(scope, `${server.url}/api/rooms/auto/activity`)
    const ada = await connectClient(scope, server.wsUrl, 'auto', { user: { name: 'Ada', color: '#0090ff' } })
    ada.text.insert(0, 'a burst')
    const versions = () => stream.events().filter((event): event is VersionEvent => event.type === 'version')
    await stream.waitFor('a version after the quiet period', () => versions().length === 1)
    expect(versions()[0]!.version.name).toBeNull()
    expect((await server.get(`/api/rooms/auto/text?version=${versions()[0]!.version.id}`)).text).toBe('a burst')
    // A second burst, watched by someone else: its own version, covering only what it changed.
    const viewer = await connectClient(scope, server.wsUrl, 'auto')
    ada.text.insert(7, ', then more')
    await waitUntil('the viewer has it', () => viewer.text.length === 'a burst, then more'.length, { on: [[viewer.doc, 'update']] })
    await stream.waitFor('a second version', () => versions().length === 2)
    expect(((await server.get('/api/rooms/auto/versions')).json<Version[]>()).map((version) => version.length)).toEqual(['a burst, then more'.length, 'a burst'.length])
  })

  it('records a version during continuous editing once the burst is long enough', async () => {
    const server = await startServer(scope, { versionTiming: { quietMs: 600_000, maxBurstMs: 500 } })
    const stream = await openSse(scope, `${server.url}/api/rooms/marathon/activity`)
    const ada = await connectClient(scope, server.wsUrl, 'marathon', { user: { name: 'Ada', color: '#0090ff' } })
    const typing = setInterval(() => ada.text.insert(ada.text.length, 'x'), 20)
    scope.defer(() => clearInterval(typing))
    // Never quiet for 10 minutes: only the burst's length can record this version.
    await stream.waitFor('a version while Ada keeps typing', (events) => events.some((event) => event.type === 'version'))
    expect(ada.provider.wsconnected).toBe(true)
    clearInterval(typing)
  })

  it('records a version at once when the last editor leaves', async () => {
    const server = await startServer(scope, { versionTiming: { quietMs: 600_000, maxBurstMs: 600_000 } })
    const stream = await openSse(scope, `${server.url}/api/rooms/leaving/activity`)
    const ada = await connectClient(scope, server.wsUrl, 'leaving', { user: { name: 'Ada', color: '#0090ff' } })
    ada.text.insert(0, 'written, then gone')
    await stored(server, 'leaving', ada)
    ada.destroy()
    await stream.waitFor('a version as the last editor left', (events) => events.some((event) => event.type === 'version'))
    const [version] = (await server.get('/api/rooms/leaving/versions')).json<Version[]>()
    expect(version).toMatchObject({ name: null, length: 'written, then gone'.length, authors: [{ name: 'Ada', color: '#0090ff' }] })
  })

  it('refuses bad parameters with 400/404 and a reason, and lets view tokens read history but not write it', async () => {
    const secret = 'history-refusals'
    const server = await startServer(scope, { authSecret: secret, maxMessage: 1024 })
    const edit = await signToken(secret, { sub: 'e', name: 'Ed', room: 'r', role: 'edit' }, 3600)
    const view = await signToken(secret, { sub: 'v', name: 'Vi', room: 'r', role: 'view' }, 3600)
    const ed = await connectClient(scope, server.wsUrl, 'r', { params: { token: edit } })
    ed.text.insert(0, 'hello')
    const get = (path: string, token = edit) => server.get(path, { headers: { Authorization: `Bearer ${token}` } })
    await waitUntil('stored', async () => (await get('/api/rooms/r/text')).text === 'hello')
    const version = (await post(server, '/api/rooms/r/versions', { name: 'v1' }, edit)).json<Version>()

    const refusals: Array<[string, Promise<{ status: number; text: string }>, number, RegExp]> = [
      ['a version that is not a number', get('/api/rooms/r/text?version=abc'), 400, /positive integer/],
      ['version 0', get('/api/rooms/r/text?version=0'), 400, /positive integer/],
      ['an unknown version', get('/api/rooms/r/text?version=999'), 404, /no version 999/],
      ['a date that is not ISO 8601', get('/api/rooms/r/text?at=yesterday'), 400, /ISO 8601/],
      ['an impossible date', get('/api/rooms/r/text?at=2026-13-45T99:00:00Z'), 400, /ISO 8601/],
      ['both a version and a date', get(`/api/rooms/r/text?version=${version.id}&at=2026-01-01T00:00:00Z`), 400, /not both/],
      ['an unknown room', get('/api/rooms/nothing-here/versions', await signToken(secret, { sub: 'e', name: 'Ed', room: '*', role: 'edit' }, 60)), 404, /not found/],
      ['restore of a version that is not a number', post(server, '/api/rooms/r/restore', { version: 'x' }, edit), 400, /positive integer/],
      ['restore of an unknown version', post(server, '/api/rooms/r/restore', { version: 12345 }, edit), 404, /no version/],
      ['a body that is not JSON', post(server, '/api/rooms/r/restore', '{nope', edit), 400, /not JSON/],
      ['a body that is an array', post(server, '/api/rooms/r/versions', '[1]', edit), 400, /JSON object/],
      ['an empty name', post(server, '/api/rooms/r/versions', { name: '  ' }, edit), 400, /name must be/],
      ['a body over --max-message', post(server, '/api/rooms/r/versions', { name: 'x'.repeat(2000) }, edit), 413, /over the limit/],
      ['restore with a view token', post(server, '/api/rooms/r/restore', { version: version.id }, view), 403, /edit role/],
      ['naming with a view token', post(server, '/api/rooms/r/versions', { name: 'mine' }, view), 403, /edit role/],
      ['history without a token', server.get('/api/rooms/r/versions'), 401, /token required/],
      ['a wrong method', server.get('/api/rooms/r/versions', { method: 'DELETE', headers: { Authorization: `Bearer ${edit}` } }), 405, /allowed: GET, HEAD, POST/],
    ]
    for (const [label, answer, status, reason] of refusals) {
      const { status: actual, text } = await answer
      expect(actual, `${label}: ${text}`).toBe(status)
      expect(JSON.parse(text).error, label).toMatch(reason)
    }
    // View tokens read history.
    expect((await get('/api/rooms/r/versions', view)).json<Version[]>().map((one) => one.id)).toEqual([version.id])
    expect((await get(`/api/rooms/r/text?version=${version.id}`, view)).text).toBe('hello')
    // Nothing refused changed anything.
    expect((await get('/api/rooms/r/text')).text).toBe('hello')
    expect((await get('/api/rooms/r/versions')).json<Version[]>()).toHaveLength(1)
  })
})
