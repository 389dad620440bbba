/**
 * TLS for tests: a self-signed certificate made by Debian's `openssl` at test time (valid for
 * `localhost` and 127.0.0.1, so clients verify it against itself as their CA, nothing skipped),
 * and the `ws` WebSocket a stock y-websocket provider needs to trust it. Serving it is left to
 * `cowrite serve --tls-cert … --tls-key …` (cowrite-process.ts reads its `https://` line).
 */
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket, type ClientOptions } from 'ws'

const OPENSSL = '/usr/bin/openssl'

export interface TestCertificate {
  /** The PEM certificate file (give it to `--tls-cert`). */
  readonly certFile: string
  /** The PEM private key file (give it to `--tls-key`). */
  readonly keyFile: string
  /** The certificate's PEM text: what a client passes as `ca` to trust it. */
  readonly pem: string
  /** Its SHA-256 fingerprint (`AA:BB:…`), to tell which certificate a server presented. */
  readonly fingerprint: string
}

export interface CertificateOptions {
  /** Subject common name. Default `localhost`. */
  commonName?: string
  /** Where to write `cert.pem` and `key.pem`. Default: a fresh temporary directory. */
  dir?: string
}

/** Whether `openssl` is installed (Debian's `openssl` package). */
export function hasOpenssl(): boolean {
  return existsSync(OPENSSL)
}

/**
 * A fresh RSA-2048 key and a self-signed certificate for `localhost` and 127.0.0.1, valid for
 * two days. Throws with a way to install openssl when it is missing.
 */
export function makeCertificate(options: CertificateOptions = {}): TestCertificate {
  if (!hasOpenssl()) throw new Error(`${OPENSSL} not found: install it with \`apt-get install -y openssl\``)
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'cowrite-tls-'))
  const certFile = join(dir, 'cert.pem')
  const keyFile = join(dir, 'key.pem')
  // openssl writes the key where it is told, in place: make both in a scratch directory and
  // read them, so a test replacing the files of a running server replaces each at once.
  const scratch = mkdtempSync(join(tmpdir(), 'cowrite-tls-new-'))
  try {
    execFileSync(
      OPENSSL,
      [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
        '-subj', `/CN=${options.commonName ?? 'localhost'}`,
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout', join(scratch, 'key.pem'),
        '-out', join(scratch, 'cert.pem'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 },
    )
    const pem = readFileSync(join(scratch, 'cert.pem'), 'utf8')
    const key = readFileSync(join(scratch, 'key.pem'))
    writeFileAtomic(certFile, pem)
    writeFileAtomic(keyFile, key)
    return { certFile, keyFile, pem, fingerprint: new X509Certificate(pem).fingerprint256 }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

/** Write `path` through a temporary file and a rename, as ACME clients do: no reader sees half a file. */
function writeFileAtomic(path: string, contents: string | Buffer): void {
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, contents, { mode: 0o600 })
  renameSync(temporary, path)
}

/**
 * `ws`'s WebSocket, trusting `ca` for `wss://` (y-websocket constructs its socket with the URL
 * only): pass it as the provider's `WebSocketPolyfill`.
 */
export function trustingWebSocket(ca: string): typeof WebSocket {
  return class TrustingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[], options?: ClientOptions) {
      super(address, protocols ?? [], { ...options, ca })
    }
  }
}
