/**
 * The room operation routes over real HTTP with stock clients connected (design.md "Room
 * operations"): `GET …/update` is the whole document, a POSTed update and a PUT text reach every
 * client as one ordinary change once stored, with an `edit` event naming the token's user; a PUT
 * is one minimal change, so a cursor in an unchanged region stays put and typing during the PUT
 * survives. Refusals: a malformed update 400 with nothing changed, invalid UTF-8 400, a body over
 * `--max-message` 413, a role too low 403, a room that never existed 404.
 */
import { join } from 'node:path'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { CONTENT, type EditEvent } from '@cowrite/protocol'
import { signToken } from '../src/auth/tokens.js'
import { createSqliteStorage } from '../src/storage/sqlite.js'
import { connectClient } from './helpers/client.js'
import { tempDir } from './helpers/cowrite-process.js'
import { createRandom, randomEdit, testSeed } from './helpers/prng.js'
import { useScope } from './helpers/scope.js'
import { startServer, type TestServer } from './helpers/server.js'
import { openSse } from './helpers/sse.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()
const SECRET = 'room-writes-secret'

function send(server: TestServer, method: string, path: string, body: string | Uint8Array, token?: string, type = 'application/octet-stream') {
  return server.get(path, { method, headers: { 'Content-Type': type, ...(token ? { Authorization: `Bearer ${token}` } : {}) }, body: body as BodyInit })
}

async function storedServer() {
  const storage = createSqliteStorage({ path: join(tempDir(scope), 'cowrite.db') })
  return startServer(scope, { storage })
}

/** An update that inserts `text` at the start of a doc holding `base` (as one client would make it). */
function insertionUpdate(base: Uint8Array, text: string): Uint8Array {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, base)
  const before = Y.encodeStateVector(doc)
  doc.getText(CONTENT).insert(0, text)
  const update = Y.encodeStateAsUpdate(doc, before)
  doc.destroy()
  return update
}

describe('GET and POST …/update', () => {
  it('serves the document as one update and applies a POSTed one to every client, with an edit event by the token\'s user', async () => {
    const storage = createSqliteStorage({ path: join(tempDir(scope), 'cowrite.db') })
    const server = await startServer(scope, { storage, authSecret: SECRET })
    const editor = await signToken(SECRET, { sub: 'ada', name: 'Ada', room: 'notes', role: 'edit' }, 600)
    const ada = await connectClient(scope, server.wsUrl, 'notes', { params: { token: editor } })
    const bob = await connectClient(scope, server.wsUrl, 'notes', { params: { token: editor } })
    ada.text.insert(0, 'hello wörld 🦊')
    await waitUntil('bob has ada\'s text', () => bob.text.toString() === 'hello wörld 🦊', { on: [[bob.doc, 'update']] })

    const state = await fetch(`${server.url}/api/rooms/notes/update`, { headers: { Authorization: `Bearer ${editor}` } })
    expect(state.status).toBe(200)
    expect(state.headers.get('content-type')).toBe('application/octet-stream')
    const bytes = new Uint8Array(await state.arrayBuffer())
    const copy = new Y.Doc()
    Y.applyUpdate(copy, bytes)
    expect(copy.getText(CONTENT).toString()).toBe('hello wörld 🦊')

    const sse = await openSse(scope, `${server.url}/api/rooms/notes/activity?token=${editor}&tail=0`)
    const scripter = await signToken(SECRET, { sub: 'bot', name: 'Importer', room: 'notes', role: 'edit' }, 600)
    const answer = await send(server, 'POST', '/api/rooms/notes/update', insertionUpdate(bytes, '» '), scripter)
    expect(answer.status, answer.text).toBe(200)
    expect(answer.json()).toEqual({ length: '» hello wörld 🦊'.length })
    // Answered once stored: the text route (which serves only stored text) has it already.
    expect((await server.get(`/api/rooms/notes/text?token=${editor}`)).text).toBe('» hello wörld 🦊')
    for (const client of [ada, bob]) {
      await waitUntil('the client has the POSTed change', () => client.text.toString() === '» hello wörld 🦊', { on: [[client.doc, 'update']] })
    }
    const [edit] = (await sse.waitFor('an edit by the importer', (events) => events.some((event) => event.type === 'edit' && event.user?.name === 'Importer'))).filter(
      (event): event is EditEvent => event.type === 'edit' && event.user?.name === 'Importer',
    )
    expect(edit).toMatchObject({ inserted: 2, deleted: 0, length: '» hello wörld 🦊'.length, user: { name: 'Importer', color: null } })
    copy.destroy()
  })

  it('refuses a malformed update with 400 and changes nothing; a room that never existed is 404', async () => {
    const server = await storedServer()
    const ada = await connectClient(scope, server.wsUrl, 'notes')
    ada.text.insert(0, 'kept as it is')
    await waitUntil('stored', async () => (await server.get('/api/rooms/notes/text')).text === 'kept as it is')
    const before = new Uint8Array(await (await fetch(`${server.url}/api/rooms/notes/update`)).arrayBuffer())
    const good = insertionUpdate(before, 'never ')
    for (const body of [good.slice(0, good.length - 3), new Uint8Array([0xff, 0xff, 0xff]), new Uint8Array(0)]) {
      const answer = await send(server, 'POST', '/api/rooms/notes/update', body)
      expect(answer.status, answer.text).toBe(400)
      expect(answer.json<{ error: string }>().error).toMatch(/Yjs update|does not apply/)
    }
    expect((await server.get('/api/rooms/notes/text')).text).toBe('kept as it is')
    expect(ada.text.toString()).toBe('kept as it is')
    expect((await server.get('/api/rooms/never-made/update')).status).toBe(404)
  })

  it('answers 413 for a body over --max-message, and 403 for a view token', async () => {
    const server = await startServer(scope, { authSecret: SECRET, maxMessage: 1024 })
    const editor = await signToken(SECRET, { sub: 'ada', name: 'Ada', room: '*', role: 'edit' }, 600)
    const viewer = await signToken(SECRET, { sub: 'vic', name: 'Vic', room: '*', role: 'view' }, 600)
    const big = await send(server, 'PUT', '/api/rooms/notes/text', 'x'.repeat(2048), editor, 'text/plain')
    expect(big.status).toBe(413)
    expect(big.json<{ error: string }>().error).toMatch(/over the limit/)
    for (const [method, path] of [['POST', '/api/rooms/notes/update'], ['PUT', '/api/rooms/notes/text']] as const) {
      const refused = await send(server, method, path, 'abc', viewer, 'text/plain')
      expect(refused.status, `${method} ${path}`).toBe(403)
      expect(refused.json<{ error: string }>().error).toMatch(/needs the edit role; this token has view/)
    }
    // Nothing was created by the refused writes.
    expect((await server.get(`/api/rooms/notes/text?token=${editor}`)).status).toBe(404)
  })
})

describe('PUT …/text', () => {
  it('replaces the text through one minimal change: a cursor in an unchanged region stays put, and typing during the PUT survives', async () => {
    const server = await storedServer()
    const ada = await connectClient(scope, server.wsUrl, 'draft')
    const bob = await connectClient(scope, server.wsUrl, 'draft')
    ada.text.insert(0, 'Title\n\nFirst paragraph, draft.\n\nSecond paragraph stays.\n')
    await waitUntil('bob synced', () => bob.text.toString() === ada.text.toString(), { on: [[bob.doc, 'update']] })
    // Bob's cursor sits inside "stays", in a region the PUT leaves alone.
    const at = bob.text.toString().indexOf('stays')
    const cursor = Y.createRelativePositionFromTypeIndex(bob.text, at)

    const replacement = 'Title\n\nFirst paragraph, final — ünïcode ✓.\n\nSecond paragraph stays.\n'
    // Bob types at the very end concurrently with the PUT: the server has not seen his typing
    // when it applies the PUT (his connection is down meanwhile), as with a slow network.
    bob.provider.disconnect()
    bob.text.insert(bob.text.length, 'P.S.')
    const answer = await send(server, 'PUT', '/api/rooms/draft/text', replacement, undefined, 'text/plain; charset=utf-8')
    bob.provider.connect()
    expect(answer.status, answer.text).toBe(200)
    const body = answer.json<{ length: number; inserted: number; deleted: number }>()
    // One minimal change: only "draft" → "final — ünïcode ✓" was touched.
    expect(body.deleted).toBeLessThanOrEqual('draft'.length)
    expect(body.inserted).toBeLessThanOrEqual('final — ünïcode ✓'.length)

    const expected = replacement + 'P.S.'
    for (const client of [ada, bob]) {
      await waitUntil('the client converged', () => client.text.toString() === expected, { on: [[client.doc, 'update']] })
    }
    await waitUntil('stored', async () => (await server.get('/api/rooms/draft/text')).text === expected)
    const moved = Y.createAbsolutePositionFromRelativePosition(cursor, bob.doc)
    expect(moved?.index).toBe(expected.indexOf('stays'))
  })

  it('keeps the text exactly (no added newline), refuses invalid UTF-8 with 400, and answers zeros for the same text', async () => {
    const server = await storedServer()
    const seed = testSeed(1515)
    const random = createRandom(seed)
    const ada = await connectClient(scope, server.wsUrl, 'exact')
    for (let i = 0; i < 40; i++) randomEdit(random, ada.text)
    const text = 'line one\r\nline two\ttabbed\n\n  🦊 zoë ∑ 日本語 no newline at the end'
    const answer = await send(server, 'PUT', '/api/rooms/exact/text', text, undefined, 'text/plain')
    expect(answer.status, answer.text).toBe(200)
    expect(answer.json<{ length: number }>().length).toBe(text.length)
    expect((await server.get('/api/rooms/exact/text')).text, `seed ${seed}`).toBe(text)
    await waitUntil('ada has it', () => ada.text.toString() === text, { on: [[ada.doc, 'update']] })

    const again = await send(server, 'PUT', '/api/rooms/exact/text', text, undefined, 'text/plain')
    expect(again.json()).toEqual({ length: text.length, inserted: 0, deleted: 0 })

    const invalid = await send(server, 'PUT', '/api/rooms/exact/text', new Uint8Array([0x61, 0xc3, 0x28, 0x62]), undefined, 'text/plain')
    expect(invalid.status).toBe(400)
    expect(invalid.json<{ error: string }>().error).toMatch(/UTF-8/)
    expect((await server.get('/api/rooms/exact/text')).text).toBe(text)
  })
})
