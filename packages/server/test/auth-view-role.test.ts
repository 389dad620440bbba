/**
 * A `view` token's connection receives the document and awareness, but nothing it sends changes
 * the document: its sync step 2 is ignored, its updates are dropped and logged, and after a few
 * the socket is closed with 4403. A token's name is the user of its activity events, and a token
 * that expires during the session closes the socket with 4401.
 */
import * as Y from 'yjs'
import { WebSocket } from 'ws'
import { describe, expect, it } from 'vitest'
import { CloseCode } from '@cowrite/protocol'
import { signToken } from '../src/auth/tokens.js'
import { encodeSyncUpdate } from '../src/sync/messages.js'
import { connectClient } from './helpers/client.js'
import { runCowrite } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { openSse } from './helpers/sse.js'
import { nextEvent, waitUntil } from './helpers/wait.js'

const scope = useScope()
const SECRET = 'view-secret'

describe('view role', () => {
  it('syncs and follows edits, but its writes never reach the server copy or other clients', async () => {
    const server = await startServer(scope, { authSecret: SECRET })
    const edit = await signToken(SECRET, { sub: 'ed', name: 'Editor', room: 'doc', role: 'edit' }, 60)
    const view = await signToken(SECRET, { sub: 'vi', name: 'Viewer', room: 'doc', role: 'view' }, 60)
    const editor = await connectClient(scope, server.wsUrl, 'doc', { params: { token: edit } })
    editor.text.insert(0, 'shared text')
    // The viewer had offline content of its own: its sync step 2 must not bring it in.
    const viewerDoc = new Y.Doc()
    viewerDoc.getText('content').insert(0, 'offline scribble ')
    const viewer = await connectClient(scope, server.wsUrl, 'doc', { params: { token: view }, doc: viewerDoc })
    await waitUntil('the viewer has the shared text', () => viewer.text.toString().includes('shared text'), { on: [[viewer.doc, 'update']] })
    await waitUntil('the viewer sees the editor', () => viewer.awareness.getStates().size === 2, { on: [[viewer.awareness, 'change']] })

    editor.text.insert(editor.text.length, ', live')
    await waitUntil('the viewer follows live edits', () => viewer.text.toString().includes('shared text, live'), { on: [[viewer.doc, 'update']] })

    viewer.text.insert(0, 'vandalism ')
    // A later editor update proves the server has handled everything the viewer sent before it.
    editor.text.insert(editor.text.length, '.')
    await waitUntil('the viewer gets the full stop', () => viewer.text.toString().includes('live.'), { on: [[viewer.doc, 'update']] })
    const serverText = (await server.get(`/api/rooms/doc/text?token=${view}`)).text
    expect(serverText).toBe('shared text, live.')
    expect(editor.text.toString()).toBe('shared text, live.')
    expect(server.logs.matching('update from a view connection dropped')).toHaveLength(1)
  })

  it('closes a view connection that keeps sending updates with 4403', async () => {
    const server = await startServer(scope, { authSecret: SECRET })
    const view = await signToken(SECRET, { sub: 'vi', name: 'Viewer', room: 'doc', role: 'view' }, 60)
    const socket = new WebSocket(`${server.wsUrl}/doc?token=${view}`)
    scope.defer(() => socket.terminate())
    await nextEvent(socket, 'open')
    const closed = nextEvent<[number, Buffer]>(socket, 'close')
    const scratch = new Y.Doc()
    scope.defer(() => scratch.destroy())
    scratch.on('update', (update: Uint8Array) => socket.send(encodeSyncUpdate(update)))
    for (let i = 0; i < 5; i++) scratch.getText('content').insert(0, `attempt ${i} `)
    const [code, reason] = await closed
    expect(code).toBe(CloseCode.viewOnly)
    expect(reason.toString()).toMatch(/view-only/)
    expect((await server.get(`/api/rooms/doc/text?token=${view}`)).text).toBe('')
    expect(await server.metric('cowrite_errors_total{kind="view-only"}')).toBe(3)
  })

  it("names activity events after the token, whatever the awareness says", async () => {
    const server = await startServer(scope, { authSecret: SECRET })
    const token = await signToken(SECRET, { sub: 'ada', name: 'Ada Lovelace', room: '*', role: 'edit' }, 60)
    const stream = await openSse(scope, `${server.url}/api/rooms/named/activity?token=${token}`)
    const client = await connectClient(scope, server.wsUrl, 'named', { params: { token }, user: { name: 'impostor', color: '#123456' } })
    client.text.insert(0, 'hi')
    const events = await stream.waitFor('join and edit', (all) => all.some((e) => e.type === 'edit'))
    const [join, edit] = events.filter((e) => e.type === 'join' || e.type === 'edit')
    // The join is emitted at once (the token names the user); the colour is the client's own.
    expect(join).toMatchObject({ type: 'join', user: { name: 'Ada Lovelace' } })
    expect(edit).toMatchObject({ type: 'edit', user: { name: 'Ada Lovelace', color: '#123456' } })
  })

  it('closes a connection whose token expires during the session with 4401', async () => {
    const server = await startServer(scope, { authSecret: SECRET })
    const token = await signToken(SECRET, { sub: 'brief', name: 'Brief', room: 'doc', role: 'edit' }, 1)
    const socket = new WebSocket(`${server.wsUrl}/doc?token=${token}`)
    scope.defer(() => socket.terminate())
    await nextEvent(socket, 'open')
    const [code, reason] = await nextEvent<[number, Buffer]>(socket, 'close', 3000)
    expect(code).toBe(CloseCode.tokenExpired)
    expect(reason.toString()).toBe('token expired')
  })

  it('accepts a token printed by `cowrite token`', async () => {
    const server = await startServer(scope, { authSecret: SECRET })
    const printed = await runCowrite(['token', '--room', 'cli-*', '--role', 'view', '--name', 'Cli User', '--ttl', '5m', '--auth-secret', SECRET])
    expect(printed.code).toBe(0)
    const token = printed.stdout.trim()
    expect(token.split('.')).toHaveLength(3)
    const info = await server.get(`/api/rooms/cli-room/activity?tail=0&token=${token}`, { signal: AbortSignal.timeout(300) }).catch((error: Error) => error)
    // The stream stays open, so a timeout abort means it was accepted; a refusal answers at once.
    expect(info).toBeInstanceOf(Error)
    expect((await server.get(`/api/rooms/other/text?token=${token}`)).status).toBe(403)
    const viaEnv = await runCowrite(['token', '--room', 'x', '--name', 'Env'], 10_000, { COWRITE_AUTH_SECRET: SECRET })
    expect(viaEnv.code).toBe(0)
    const missing = await runCowrite(['token', '--room', 'x', '--name', 'Nobody'], 10_000, { COWRITE_AUTH_SECRET: '' })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/needs --auth-secret/)
  })
})
