/**
 * TLS for tests: a self-signed certificate made by Debian's `openssl` at test time (valid for
 * `localhost` and 127.0.0.1, so clients verify it against itself as their CA, nothing skipped),
 * the `ws` WebSocket a stock y-websocket provider needs to trust it, and a `node:http2` client
 * that reads answers and activity streams. Serving it is left to `cowrite serve --tls-cert …
 * --tls-key …` (cowrite-process.ts reads its `https://` line).
 */
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { connect as connectHttp2Session, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocket, type ClientOptions } from 'ws'
import { waitUntil } from './wait.js'

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
  // y-websocket calls `new WebSocketPolyfill(url, protocols)`.
  class TrustingWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[], options?: ClientOptions) {
      super(address, protocols ?? [], { ...options, ca })
    }
  }
  return TrustingWebSocket as unknown as typeof WebSocket
}

export interface Http2Answer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** One Server-Sent Events message as the wire carried it. */
export interface Http2SseMessage {
  id: string | undefined
  event: string
  data: string
}

export interface Http2EventStream {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  /** Every message dispatched so far, in order (comments and `retry:` are left out). */
  readonly messages: Http2SseMessage[]
  /** Resolve once `condition` holds over the messages received; rejects after `timeoutMs` (10 s). */
  waitFor(what: string, condition: (messages: Http2SseMessage[]) => boolean, timeoutMs?: number): Promise<Http2SseMessage[]>
  /** Resolves when the server ended or reset the stream. */
  readonly closed: Promise<void>
  /** Cancel the stream (RST_STREAM). */
  close(): void
  /** The HTTP/2 stream itself: `pause()` it to stop reading (its flow-control window then closes). */
  readonly raw: ClientHttp2Stream
}

export interface Http2Client {
  readonly session: ClientHttp2Session
  /** What ALPN chose: `h2` from a server that speaks HTTP/2. */
  readonly alpnProtocol: string | undefined
  /** GET `path` on this one connection. */
  get(path: string, headers?: Record<string, string>): Promise<Http2Answer>
  /** Open an activity stream on this connection; resolves once its headers arrived. */
  stream(path: string, headers?: Record<string, string>): Promise<Http2EventStream>
  /** Close the connection (its streams are cancelled). */
  close(): void
}

/**
 * One HTTP/2 connection to `url` (`https://HOST:PORT`) trusting `ca`, asking ALPN for `h2`
 * only: a server that cannot speak HTTP/2 fails the connection instead of falling back.
 */
export async function connectHttp2(url: string, ca: string): Promise<Http2Client> {
  const session = connectHttp2Session(url, { ca })
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve())
    session.once('error', reject)
  })
  session.on('error', () => {}) // a failure surfaces on the requests
  const request = (path: string, headers: Record<string, string>) => {
    const stream = session.request({ ':path': path, ...headers })
    stream.setEncoding('utf8')
    const answered = new Promise<IncomingHttpHeaders>((resolve, reject) => {
      stream.once('response', resolve)
      stream.once('error', reject)
      stream.once('close', () => reject(new Error(`GET ${path}: stream closed before an answer (code ${stream.rstCode})`)))
    })
    return { stream, answered }
  }
  return {
    session,
    alpnProtocol: session.alpnProtocol,
    async get(path, headers = {}) {
      const { stream, answered } = request(path, headers)
      let body = ''
      stream.on('data', (chunk: string) => (body += chunk))
      const ended = new Promise<void>((resolve) => stream.once('end', resolve))
      const answer = await answered
      await ended
      return { status: Number(answer[':status']), headers: answer, body }
    },
    async stream(path, headers = {}) {
      const { stream, answered } = request(path, { accept: 'text/event-stream', ...headers })
      const messages: Http2SseMessage[] = []
      let buffer = ''
      let current: { id?: string; event?: string; data: string[] } = { data: [] }
      stream.on('data', (chunk: string) => {
        buffer += chunk
        let newline: number
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline)
          buffer = buffer.slice(newline + 1)
          if (line === '') {
            if (current.data.length > 0) messages.push({ id: current.id, event: current.event ?? 'message', data: current.data.join('\n') })
            current = { data: [] }
          } else if (!line.startsWith(':')) {
            const colon = line.indexOf(':')
            const field = colon < 0 ? line : line.slice(0, colon)
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
            if (field === 'id') current.id = value
            else if (field === 'event') current.event = value
            else if (field === 'data') current.data.push(value)
          }
        }
      })
      const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()))
      const answer = await answered
      return {
        status: Number(answer[':status']),
        headers: answer,
        messages,
        async waitFor(what, condition, timeoutMs) {
          await waitUntil(what, () => condition(messages), { on: [[stream, 'data']], timeoutMs })
          return messages
        },
        closed,
        close: () => stream.close(),
        raw: stream,
      }
    },
    close: () => session.destroy(),
  }
}
