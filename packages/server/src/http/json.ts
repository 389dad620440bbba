/**
 * JSON answers, errors included: every error body is `{ "error": "…" }` with a fitting status.
 */
import type { ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { STATUS_CODES } from 'node:http'

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body)
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) })
  response.end(json)
}

export function sendError(response: ServerResponse, status: number, error: string): void {
  sendJson(response, status, { error })
}

/**
 * Answer on a raw socket (a refused WebSocket upgrade, a request Node's parser refused) with a
 * plain HTTP answer and a JSON reason, then drop the socket.
 */
export function refuseUpgrade(socket: Duplex, status: number, error: string): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const json = JSON.stringify({ error })
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      'Connection: close\r\n\r\n' +
      json,
  )
}

/** The status and reason for a request Node's HTTP parser refused (its `clientError`). */
export function describeClientError(error: Error & { code?: string }): { status: number; error: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, error: 'request headers too large' }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, error: 'request timed out' }
    default:
      return { status: 400, error: `malformed request${error.code ? ` (${error.code})` : ''}` }
  }
}
