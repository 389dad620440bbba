/**
 * Certificate files that cannot be served refuse the start with one plain line naming the file
 * and what is wrong (exit 1, nothing listening): a missing file, a directory, a file that is not
 * PEM, a key given as the certificate, a certificate with another certificate's key, a key with a
 * passphrase. The environment variables work like the flags, and a flag wins over its variable.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeCertificate, serveCowrite, type TestCertificate } from '@cowrite/testing'
import { runCowrite } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'

const scope = useScope()
let good: TestCertificate
let other: TestCertificate
let dir: string

beforeAll(() => {
  good = makeCertificate()
  other = makeCertificate()
  dir = mkdtempSync(join(tmpdir(), 'cowrite-tls-bad-'))
  writeFileSync(join(dir, 'garbage.pem'), 'hello, not a certificate\n')
  writeFileSync(join(dir, 'truncated.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
  execFileSync('openssl', ['pkcs8', '-topk8', '-in', good.keyFile, '-out', join(dir, 'encrypted.pem'), '-passout', 'pass:secret'])
})
afterAll(() => {
  for (const path of [good && dirname(good.certFile), other && dirname(other.certFile), dir]) if (path) rmSync(path, { recursive: true, force: true })
})

describe('unusable TLS files', () => {
  it.each([
    ['a missing certificate', () => ['/nonexistent/cert.pem', good.keyFile], /cannot read TLS certificate \/nonexistent\/cert\.pem: ENOENT/],
    ['a missing key', () => [good.certFile, '/nonexistent/key.pem'], /cannot read TLS private key \/nonexistent\/key\.pem: ENOENT/],
    ['a directory', () => [dir, good.keyFile], /cannot read TLS certificate .*EISDIR/],
    ['a file that is not PEM', () => [join(dir, 'garbage.pem'), good.keyFile], /garbage\.pem is not a PEM certificate/],
    ['a truncated PEM certificate', () => [join(dir, 'truncated.pem'), good.keyFile], /truncated\.pem is not a valid PEM certificate/],
    ['the key as the certificate', () => [good.keyFile, good.keyFile], /key\.pem is not a PEM certificate/],
    ['the certificate as the key', () => [good.certFile, good.certFile], /TLS private key .*cert\.pem is not a PEM private key/],
    ['another certificate’s key', () => [good.certFile, other.keyFile], /cannot be used together/],
    ['a key with a passphrase', () => [good.certFile, join(dir, 'encrypted.pem')], /encrypted\.pem is encrypted: give the server an unencrypted key/],
  ])('refuses %s at start with exit 1', async (_, files, message) => {
    const [cert, key] = files()
    const { code, stdout, stderr } = await runCowrite(['serve', '--port', '0', '--storage', 'memory', '--tls-cert', cert!, '--tls-key', key!])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/^cowrite: /)
    expect(stderr).toMatch(message)
    expect(stderr.trim().split('\n')).toHaveLength(1)
  })

  it('takes the files from COWRITE_TLS_CERT and COWRITE_TLS_KEY, a flag winning over its variable', async () => {
    // Only the flag's certificate is usable: the start proves the flag won.
    const env = { COWRITE_TLS_CERT: join(dir, 'garbage.pem'), COWRITE_TLS_KEY: good.keyFile }
    const saved = { ...process.env }
    Object.assign(process.env, env)
    scope.defer(() => {
      for (const name of Object.keys(env)) delete process.env[name]
      Object.assign(process.env, saved)
    })
    const refused = await runCowrite(['serve', '--port', '0', '--storage', 'memory'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/garbage\.pem is not a PEM certificate/)
    const server = await serveCowrite(['--port', '0', '--storage', 'memory', '--tls-cert', good.certFile])
    scope.defer(() => server.kill())
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    await server.stop()
  })
})
