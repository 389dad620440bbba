/**
 * What the TLS tests share: one self-signed certificate per test file, made before its tests and
 * removed after them, and stock clients that trust it.
 */
import { rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { afterAll, beforeAll } from 'vitest'
import { createStockClient, makeCertificate, trustingWebSocket, type StockClient, type TestCertificate } from '@cowrite/testing'
import type { Scope } from './scope.js'

/** The file's certificate; read its fields inside tests (it is made in `beforeAll`). */
export function useTestCertificate(): TestCertificate {
  let made: TestCertificate | undefined
  beforeAll(() => {
    made = makeCertificate()
  })
  afterAll(() => {
    if (made) rmSync(dirname(made.certFile), { recursive: true, force: true })
  })
  const current = (): TestCertificate => {
    if (!made) throw new Error('the test certificate is made in beforeAll: read it inside a test')
    return made
  }
  return {
    get certFile() {
      return current().certFile
    },
    get keyFile() {
      return current().keyFile
    },
    get pem() {
      return current().pem
    },
    get fingerprint() {
      return current().fingerprint
    },
  }
}

/** A stock y-websocket client over `wss://`, trusting `certificate`; destroyed after the test. */
export function tlsStockClient(
  scope: Scope,
  certificate: TestCertificate,
  wssUrl: string,
  room: string,
  user: { name: string; color: string } | null = null,
): StockClient {
  const client = createStockClient(wssUrl, room, { user, WebSocketPolyfill: trustingWebSocket(certificate.pem) })
  scope.defer(() => client.destroy())
  return client
}

/** A raw HTTP/1.1 exchange over TLS (ALPN `http/1.1` only): status, content type and body of the answer. */
export function rawTls(scope: Scope, certificate: TestCertificate, port: number, payload: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: certificate.pem, servername: 'localhost', ALPNProtocols: ['http/1.1'] }, () => socket.write(payload))
    scope.defer(() => socket.destroy())
    let received = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (received += chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const split = received.indexOf('\r\n\r\n')
      const head = received.slice(0, split)
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        type: /^content-type: (.*)$/im.exec(head)?.[1],
        body: received.slice(split + 4),
      })
    })
  })
}
