/**
 * Telling "refused" from "unreachable" after a WebSocket failed to open. Browsers hide the status
 * of a refused upgrade, so we ask `GET /api/rooms/<room>` with the same token: 401 or 403 there
 * means the socket was refused too (design.md, "Auth"). Anything else that answers means the
 * server is up and the failure was transient.
 */
import type { AccessCheck } from './connection-state.js'

export interface AccessCheckOptions {
  /** The server's HTTP base URL, e.g. `http://localhost:1234` or `https://host/prefix`. */
  httpUrl: string
  room: string
  token?: string
  /** Give up (and call the server unreachable) after this long. Default 5 s. */
  timeoutMs?: number
  fetch?: typeof globalThis.fetch
}

/** The `error` of a JSON error body (design.md, "HTTP"), or undefined for any other body. */
async function readReason(response: Response): Promise<string | undefined> {
  try {
    const body: unknown = await response.json()
    const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined
    return typeof error === 'string' && error.trim() ? error.trim().slice(0, 200) : undefined
  } catch {
    return undefined
  }
}

export async function checkAccess(options: AccessCheckOptions): Promise<AccessCheck> {
  const fetcher = options.fetch ?? globalThis.fetch
  const headers: Record<string, string> = {}
  if (options.token) headers.Authorization = `Bearer ${options.token}`
  try {
    const response = await fetcher(`${options.httpUrl}/api/rooms/${encodeURIComponent(options.room)}`, {
      headers,
      cache: 'no-store',
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    })
    if (response.status === 401 || response.status === 403) {
      // The JSON `error` tells a missing token from a forged or expired one.
      const reason = await readReason(response)
      return { result: 'denied', code: response.status, ...(reason ? { reason } : {}) }
    }
    // The body is not needed; let the connection go back to the pool.
    await response.body?.cancel().catch(() => {})
    // A proxy answering 502/503/504 while the server restarts is not an answer from the server.
    if (response.status >= 500) return { result: 'unreachable' }
    return { result: 'allowed' }
  } catch {
    return { result: 'unreachable' }
  }
}
