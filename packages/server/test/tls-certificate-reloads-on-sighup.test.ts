/**
 * A renewed certificate without a restart: the real CLI serving certificate A; its files are
 * replaced (as an ACME client does: a new file renamed over the old) with certificate B and the
 * process gets SIGHUP. A new TLS connection then sees B, over HTTP/2 still; a connection opened
 * before the reload carries on. A reload whose files cannot be used (not PEM, or a key of another
 * certificate) is logged as an error and changes nothing: new connections still see B, and the
 * process keeps serving.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect as tlsConnect } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { connectHttp2, makeCertificate } from '@cowrite/testing'
import { startCowrite, type CowriteProcess } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()

/** The certificate a new TLS connection to `port` is shown, as its SHA-256 fingerprint, and the protocol ALPN chose. */
function presented(port: number, ca: string[]): Promise<{ fingerprint: string; alpn: string | false | null }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost', ALPNProtocols: ['h2', 'http/1.1'] }, () => {
      const answer = { fingerprint: socket.getPeerCertificate().fingerprint256, alpn: socket.alpnProtocol }
      socket.destroy()
      resolve(answer)
    })
    socket.once('error', reject)
  })
}

/** pino lines of the process whose `msg` contains `text` (its logs are written asynchronously: wait for them). */
function logged(server: CowriteProcess, text: string): Array<{ level: number; msg: string }> {
  return server
    .stderr()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((line) => line.msg.includes(text))
}

describe('TLS certificate reload', () => {
  it('serves the renewed certificate to new connections after SIGHUP, and keeps it when a reload fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cowrite-tls-reload-'))
    scope.defer(() => rmSync(dir, { recursive: true, force: true }))
    const first = makeCertificate({ dir })
    const certFile = join(dir, 'cert.pem')
    const keyFile = join(dir, 'key.pem')
    const server = await startCowrite(scope, ['--storage', 'memory', '--tls-cert', certFile, '--tls-key', keyFile])
    const before = await presented(server.port, [first.pem])
    expect(before).toEqual({ fingerprint: first.fingerprint, alpn: 'h2' })
    const earlier = await connectHttp2(server.url, first.pem)
    scope.defer(() => earlier.close())

    const renewed = makeCertificate({ dir, commonName: 'localhost-renewed' })
    expect(renewed.fingerprint).not.toBe(first.fingerprint)
    server.child.kill('SIGHUP')
    await waitUntil('the reload is logged', () => logged(server, 'TLS certificate reloaded').length === 1)
    expect(await presented(server.port, [renewed.pem])).toEqual({ fingerprint: renewed.fingerprint, alpn: 'h2' })
    // A client that still trusts only the old certificate is refused by its own check now.
    await expect(presented(server.port, [first.pem])).rejects.toThrow()
    // The connection made before the reload carries on with the certificate it verified.
    expect((await earlier.get('/healthz')).status).toBe(200)
    // And HTTP/2 on a connection made after it.
    const later = await connectHttp2(server.url, renewed.pem)
    scope.defer(() => later.close())
    expect(later.alpnProtocol).toBe('h2')
    expect((await later.get('/healthz')).status).toBe(200)

    // Files that cannot be used: the error is logged, the renewed certificate stays.
    writeFileSync(certFile, 'not a certificate\n')
    server.child.kill('SIGHUP')
    await waitUntil('the failed reload is logged', () => logged(server, 'TLS certificate not reloaded').length === 1)
    const [notPem] = logged(server, 'TLS certificate not reloaded')
    expect(notPem!.level).toBe(50)
    expect(notPem!.msg).toContain(certFile)
    expect(await presented(server.port, [renewed.pem])).toEqual({ fingerprint: renewed.fingerprint, alpn: 'h2' })

    // A certificate with the key of another one: refused as a pair.
    const other = makeCertificate()
    scope.defer(() => rmSync(join(other.certFile, '..'), { recursive: true, force: true }))
    writeFileSync(certFile, other.pem)
    server.child.kill('SIGHUP')
    await waitUntil('the second failed reload is logged', () => logged(server, 'TLS certificate not reloaded').length === 2)
    expect(logged(server, 'TLS certificate not reloaded')[1]!.msg).toMatch(/cannot be used together/)
    expect(await presented(server.port, [renewed.pem])).toEqual({ fingerprint: renewed.fingerprint, alpn: 'h2' })
    expect(server.child.exitCode).toBeNull()
    expect((await later.get('/healthz')).status).toBe(200)

    await server.stop()
    expect((await server.exited).code).toBe(0)
  })
})
