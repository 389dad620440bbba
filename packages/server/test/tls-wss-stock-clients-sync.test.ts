/**
 * `wss://` on the HTTPS port: two stock y-websocket `WebsocketProvider`s (their WebSocket is
 * `ws`'s, told to trust the test certificate and nothing else) sync a document and see each
 * other's presence through the real CLI; a client that does not trust the certificate is refused
 * by its own TLS check, so the socket really is TLS. Refusals keep their JSON answers over TLS (an
 * invalid room name: 400), and SIGTERM closes `wss://` sockets with 1001, ends HTTP/2 activity
 * streams and exits 0.
 */
import { connect as tlsConnect } from 'node:tls'
import { WebSocket } from 'ws'
import { describe, expect, it } from 'vitest'
import { connectHttp2 } from '@cowrite/testing'
import { startCowrite } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { tlsStockClient, useTestCertificate } from './helpers/tls.js'
import { nextEvent, waitUntil } from './helpers/wait.js'

const scope = useScope()
const certificate = useTestCertificate()

function provider(wssUrl: string, room: string, name: string) {
  return tlsStockClient(scope, certificate, wssUrl, room, { name, color: '#0090ff' })
}

/** A raw HTTP/1.1 exchange over TLS: the status line and the body of the answer. */
function rawTls(port: number, payload: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: certificate.pem, servername: 'localhost', ALPNProtocols: ['http/1.1'] }, () => socket.write(payload))
    scope.defer(() => socket.destroy())
    let received = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n')
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), body })
    })
  })
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
