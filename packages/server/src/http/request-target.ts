/**
 * The request target (`request.url`) as the server reads it. Node hands it over as the client
 * sent it, and `new URL` throws on targets such as `//[`: every handler reads it through
 * `parseRequestTarget`, which never throws, so a hostile target is a 400 and never a crash.
 */

import type { IncomingMessage } from 'node:http'

/** Longest request target accepted; Node's header limit (16 KiB) bounds it anyway. */
const MAX_TARGET_LENGTH = 8192

/**
 * The target resolved against a placeholder origin (origin-form `/path?query`, and the
 * absolute-form a proxy may send), or null when it does not parse.
 */
export function parseRequestTarget(target: string | undefined): URL | null {
  const raw = target ?? '/'
  if (raw.length > MAX_TARGET_LENGTH) return null
  try {
    return new URL(raw, 'http://localhost')
  } catch {
    return null
  }
}

/** Why `parseRequestTarget` refused a target, for a 400 body and a log line. */
export function describeBadTarget(target: string | undefined): string {
  return `malformed request target ${JSON.stringify(redactTarget(target))}`
}

/** The token a request carries, from `Authorization: Bearer` or the `token` query parameter. */
export function requestToken(request: IncomingMessage, target: URL): string | undefined {
  const header = request.headers.authorization
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim()
  return target.searchParams.get('token') ?? undefined
}

/** `target` with any `token` parameter replaced and cut to a loggable length. */
export function redactTarget(target: string | undefined): string {
  const redacted = (target ?? '').replace(/([?&]token=)[^&]*/g, '$1[redacted]')
  return redacted.length > 200 ? `${redacted.slice(0, 200)}…` : redacted
}
