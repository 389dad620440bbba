/**
 * `wss://` on the HTTPS port: two stock y-websocket `WebsocketProvider`s (their WebSocket is
 * `ws`'s, told to trust the test certificate and nothing else) sync a document and see each
 * other's presence through the real CLI; a client that does not trust the certificate is refused
 * by its own TLS check, so the socket really is TLS. Refusals keep their JSON answers over TLS (an
 * invalid room name: 400), and SIGTERM closes `wss://` sockets with 1001, ends HTTP/2 activity
 * streams and exits 0.
 */
import { WebSocket } from 'ws'
import { describe, expect, it } from 'vitest'
import { connectHttp2 } from '@cowrite/testing'
import { startCowrite } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { rawTls, tlsStockClient, useTestCertificate } from './helpers/tls.js'
import { nextEvent, waitUntil } from './helpers/wait.js'

const scope = useScope()
const certificate = useTestCertificate()

function provider(wssUrl: string, room: string, name: string) {
  return tlsStockClient(scope, certificate, wssUrl, room, { name, color: '#0090ff' })
}

describe('wss://', () => {
  it('syncs two stock clients, and refuses a client that does not trust the certificate', async () => {
    const server = await startCowrite(scope, ['--storage', 'memory', '--tls-cert', certificate.certFile, '--tls-key', certificate.keyFile])
    expect(server.wsUrl).toBe(`wss://127.0.0.1:${server.port}`)
    const ada = provider(server.wsUrl, 'secure', 'Ada')
    const bob = provider(server.wsUrl, 'secure', 'Bob')
    await waitUntil('both are synced', () => ada.provider.synced && bob.provider.synced)
    ada.text.insert(0, 'sealed ')
    bob.text.insert(0, 'and delivered')
    await waitUntil('both texts converge', () => ada.text.toString() === bob.text.toString() && ada.text.length === 20)
    await waitUntil('Ada sees Bob', () => [...ada.provider.awareness.getStates().values()].some((state) => state.user?.name === 'Bob'))

    // ws's default trust store does not know a self-signed certificate: the handshake fails.
    const untrusting = new WebSocket(`${server.wsUrl}/secure`)
    scope.defer(() => untrusting.terminate())
    const [error] = await nextEvent<[Error & { code?: string }]>(untrusting, 'error')
    expect(error.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/)

    // A refused upgrade answers JSON over TLS, like over TCP.
    const refused = await rawTls(
      scope,
      certificate,
      server.port,
      'GET /..bad HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    )
    expect(refused.status).toBe(400)
    expect(JSON.parse(refused.body)).toEqual({ error: 'invalid room name "..bad"' })

    // Shutdown: the wss:// sockets are closed with 1001, an HTTP/2 activity stream ends, and the
    // process exits 0.
    const follower = await connectHttp2(server.url, certificate.pem)
    scope.defer(() => follower.close())
    const stream = await follower.stream('/api/rooms/secure/activity')
    const ws = ada.provider.ws as unknown as WebSocket
    const closed = nextEvent<[number]>(ws, 'close', 10_000)
    await server.stop()
    expect((await closed)[0]).toBe(1001)
    await stream.closed
    expect((await server.exited).code).toBe(0)
  })
})
