/**
 * The HTTPS listener: `node:http2`'s secure server with `allowHTTP1`, so one port serves every
 * HTTP route over HTTP/2 (ALPN `h2`) and over HTTP/1.1 for clients without it, and WebSocket
 * upgrades (which are HTTP/1.1) with the same `upgrade` and `clientError` events as `node:http`.
 * Its certificate can be replaced while it runs (`reload`), for renewals without a restart.
 *
 * What the routes, the SSE code and the upgrade handler do with a request is left to them: this
 * module only owns the sockets, which `node:http2` does not track for a shutdown
 * (`closeAllConnections` exists on `node:http` only).
 */
import { createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { Logger } from '../log.js'
import { readCertificate, type Certificate, type TlsFiles } from './tls.js'

/** One request as either protocol delivers it: `node:http`'s objects, or HTTP/2's compatibility API. */
export type RequestListener = (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) => void

/**
 * Streams one HTTP/2 connection may hold open at once. Each activity stream is one, and a person's
 * tabs share one connection: far above anyone's tabs, yet bounded (HTTP/2's default is unlimited).
 */
const MAX_CONCURRENT_STREAMS = 1000

export interface TlsServer {
  readonly server: Http2SecureServer
  /** The certificate served now. */
  readonly certificate: Certificate
  /**
   * Read the files again and serve the new certificate to new connections (open ones keep theirs).
   * Resolves true once replaced; false, with an error logged, when the files cannot be used: the
   * previous certificate stays.
   */
  reload(): Promise<boolean>
  /** Destroy every connection but upgraded ones (WebSockets close themselves, with 1001). */
  closeAllConnections(): void
}

/** Read and check `files` (rejects with a `TlsFilesError`), then make the server, not yet listening. */
export async function createTlsServer(files: TlsFiles, listener: RequestListener, log: Logger): Promise<TlsServer> {
  let certificate = await readCertificate(files)
  const server = createSecureServer(
    {
      cert: certificate.cert,
      key: certificate.key,
      allowHTTP1: true,
      settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS },
    },
    listener,
  )
  warnIfExpired(certificate, log)

  // By remote address and port: the one public key both the TCP socket and the TLS socket on it
  // (or the request upgraded from it) answer to.
  const sockets = new Map<string, Socket>()
  const keyOf = (socket: { remoteAddress?: string; remotePort?: number }) => `${socket.remoteAddress}|${socket.remotePort}`
  server.on('connection', (socket: Socket) => {
    const key = keyOf(socket)
    sockets.set(key, socket)
    socket.once('close', () => {
      if (sockets.get(key) === socket) sockets.delete(key)
    })
  })
  server.on('secureConnection', (socket: TLSSocket) => {
    // SSE events are small writes that must leave at once (node:http sets this by default).
    socket.setNoDelay(true)
  })
  // A WebSocket leaves the HTTP server's hands: the rooms close it (1001) at shutdown.
  server.on('upgrade', (request: IncomingMessage) => sockets.delete(keyOf(request.socket)))
  // A client that does not trust the certificate, or speaks no TLS: nothing to answer.
  server.on('tlsClientError', (error: Error & { code?: string }, socket: TLSSocket) => {
    log.debug({ code: error.code, remote: socket.remoteAddress, reason: error.message }, 'TLS handshake failed')
  })
  server.on('sessionError', (error: Error & { code?: string }) => log.debug({ code: error.code, reason: error.message }, 'HTTP/2 session error'))

  return {
    server,
    get certificate() {
      return certificate
    },
    async reload() {
      let next: Certificate
      try {
        next = await readCertificate(files)
      } catch (error) {
        log.error(
          { cert: files.cert, key: files.key, err: error, subject: certificate.subject, validTo: certificate.validTo.toISOString() },
          `TLS certificate not reloaded, still serving the previous one: ${(error as Error).message}`,
        )
        return false
      }
      server.setSecureContext({ cert: next.cert, key: next.key })
      certificate = next
      log.info({ subject: next.subject, validTo: next.validTo.toISOString(), fingerprint: next.fingerprint }, 'TLS certificate reloaded')
      warnIfExpired(next, log)
      return true
    },
    closeAllConnections() {
      for (const socket of sockets.values()) socket.destroy()
      sockets.clear()
    },
  }
}

function warnIfExpired(certificate: Certificate, log: Logger): void {
  if (certificate.validTo.getTime() <= Date.now()) {
    log.warn({ subject: certificate.subject, validTo: certificate.validTo.toISOString() }, 'the TLS certificate has expired: clients will refuse it')
  }
}
