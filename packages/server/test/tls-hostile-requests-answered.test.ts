/**
 * The refusals of hostile-requests-never-crash-the-server.test.ts, on the HTTPS port: over
 * HTTP/1.1 on TLS, a target that does not parse is a 400, headers past Node's limit a 431 and a
 * request line the parser refuses a 400, each with a JSON reason; over HTTP/2, the same target is
 * a 400 with JSON, and a header block past HTTP/2's advertised limit is refused by the HTTP/2
 * layer (the stream is reset, no answer); a connection that chose HTTP/2 and sends no preface, and
 * plain HTTP on the TLS port, are closed. Through all of it the process stays up and a stock
 * HTTP/2 client carries on.
 */
import { connect as tcpConnect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { describe, expect, it } from 'vitest'
import { connectHttp2 } from '@cowrite/testing'
import { startCowrite } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { rawTls, useTestCertificate } from './helpers/tls.js'

const scope = useScope()
const certificate = useTestCertificate()

/** A raw HTTP/1.1 exchange over TLS: status, content type and body of the answer. */
function expectJsonError(answer: { status: number; type: string | undefined; body: string }, status: number, error: RegExp): void {
  expect(answer.status, answer.body).toBe(status)
  expect(answer.type).toBe('application/json; charset=utf-8')
  expect((JSON.parse(answer.body) as { error: string }).error).toMatch(error)
}

describe('hostile requests over HTTPS', () => {
  it('get JSON refusals over HTTP/1.1 and HTTP/2 while the process and its clients carry on', async () => {
    const server = await startCowrite(scope, ['--storage', 'memory', '--tls-cert', certificate.certFile, '--tls-key', certificate.keyFile])
    const bystander = await connectHttp2(server.url, certificate.pem)
    scope.defer(() => bystander.close())
    const stream = await bystander.stream('/api/activity')

    const get = (target: string, headers = '') => `GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${headers}\r\n`
    expectJsonError(await rawTls(scope, certificate, server.port, get('//[')), 400, /malformed request target/)
    expectJsonError(await rawTls(scope, certificate, server.port, get('/healthz', `X-Big: ${'a'.repeat(20_000)}\r\n`)), 431, /headers too large/)
    expectJsonError(await rawTls(scope, certificate, server.port, 'G\u0001T / HTTP/1.1\r\nHost: x\r\n\r\n'), 400, /malformed request/)

    const h2 = await connectHttp2(server.url, certificate.pem)
    scope.defer(() => h2.close())
    const badTarget = await h2.get('//[')
    expect(badTarget.status).toBe(400)
    expect(badTarget.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(JSON.parse(badTarget.body).error).toMatch(/malformed request target/)
    // 100 KiB of one header: past the 64 KiB header list HTTP/2 advertises.
    await expect(h2.get('/healthz', { 'x-big': 'a'.repeat(100_000) })).rejects.toThrow()

    // Not HTTP/2 after choosing it (no connection preface), and plain HTTP on the TLS port: each
    // connection ends, nothing else does.
    await new Promise<void>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: server.port, ca: certificate.pem, servername: 'localhost', ALPNProtocols: ['h2'] }, () => {
        expect(socket.alpnProtocol).toBe('h2')
        socket.write(Buffer.alloc(4096, 0xff))
      })
      scope.defer(() => socket.destroy())
      socket.on('error', () => {})
      socket.on('close', () => resolve())
      socket.setTimeout(10_000, () => reject(new Error('the server kept a connection that sent no HTTP/2 preface')))
      socket.resume()
    })
    await new Promise<void>((resolve, reject) => {
      const socket = tcpConnect({ host: '127.0.0.1', port: server.port }, () => socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'))
      scope.defer(() => socket.destroy())
      socket.on('error', () => {})
      socket.on('close', () => resolve())
      socket.setTimeout(10_000, () => reject(new Error('the server kept a plain-HTTP connection on its TLS port')))
      socket.resume()
    })

    const fresh = await connectHttp2(server.url, certificate.pem)
    scope.defer(() => fresh.close())
    expect((await fresh.get('/healthz')).status).toBe(200)
    expect((await bystander.get('/healthz')).status).toBe(200)
    expect(stream.messages).toEqual([])
    expect(server.child.exitCode).toBeNull()
  })
})
