/**
 * `POST /api/rooms/<room>/share`: a link someone else can open. Under auth it carries a token the
 * server signs for that room only, with the asked role if the caller's allows it, expiring no
 * later than the caller's own token (auth/authorize.ts decides); with auth off it is the plain link.
 */
import type { IncomingMessage } from 'node:http'
import type { ShareResponse } from '@cowrite/protocol'
import { ShareRefused, type Authorizer, type Grant } from '../auth/authorize.js'
import { parseTtl } from '../auth/tokens.js'
import { HttpError } from './http-error.js'

const DEFAULT_TTL = '7d'

export async function shareLink(
  auth: Authorizer,
  request: IncomingMessage,
  room: string,
  grant: Grant,
  body: Record<string, unknown>,
): Promise<ShareResponse> {
  const { role, ttl = DEFAULT_TTL } = body
  if (role !== 'edit' && role !== 'view') throw new HttpError(400, 'role must be "edit" or "view"')
  if (typeof ttl !== 'string') throw new HttpError(400, 'ttl must be a string like "12h" or "7d"')
  let seconds: number
  try {
    seconds = parseTtl(ttl)
  } catch (error) {
    throw new HttpError(400, (error as Error).message)
  }
  let shared
  try {
    shared = await auth.share(grant, room, role, seconds)
  } catch (error) {
    if (error instanceof ShareRefused) throw new HttpError(403, error.message)
    throw error
  }
  const url = new URL(`/r/${room}`, publicOrigin(request))
  if (shared) url.searchParams.set('token', shared.token)
  return { url: url.href, role, expiresAt: shared ? new Date(shared.expiresAt).toISOString() : null }
}

/**
 * The origin the caller reached this server by: a proxy's `X-Forwarded-Proto`/`-Host` when it
 * sets them, else the request's own scheme and `Host` (`:authority` under HTTP/2).
 */
function publicOrigin(request: IncomingMessage): string {
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim()
  const encrypted = (request.socket as { encrypted?: boolean } | undefined)?.encrypted === true
  const proto = first(request.headers['x-forwarded-proto']) ?? (encrypted ? 'https' : 'http')
  const host = first(request.headers['x-forwarded-host']) ?? first(request.headers.host) ?? first(request.headers[':authority'])
  if (!host || !/^[A-Za-z0-9.:[\]-]+$/.test(host) || (proto !== 'http' && proto !== 'https')) {
    throw new HttpError(400, 'cannot tell this server\'s address from the request (no valid Host)')
  }
  return `${proto}://${host}`
}
