/**
 * The one access decision, used by the WebSocket upgrade, the REST routes and both SSE routes.
 * Without a secret everything is open (the `admin` role: design.md says everything is allowed); with one, a token is required
 * (the caller reads it from `?token=` or `Authorization: Bearer`) and decides the role, the user and the rooms covered.
 */
import { randomUUID } from 'node:crypto'
import { TokenError, roleAllows, roomClaimCovers, signToken, verifyToken, type Role } from './tokens.js'

/** What a request may do. */
export interface Grant {
  role: Role
  /** The token's identity; null when auth is off or the token names nobody (a shared link's). */
  user: { sub: string; name: string } | null
  /** Whether the grant reaches `room`. */
  covers(room: string): boolean
  /** When the token expires, ms since the epoch; null when it never does. */
  expiresAt: number | null
}

/** Who a request acts as, in the activity log and the history: the token's name (no colour), or nobody. */
export function actingUser(grant: Pick<Grant, 'user'>): { name: string; color: string | null } | null {
  return grant.user && { name: grant.user.name, color: null }
}

export type Decision = { ok: true; grant: Grant } | { ok: false; status: 401 | 403; error: string }

export interface Authorizer {
  readonly enabled: boolean
  /**
   * Decide for the `token` a request carries (see http/request-target.ts), for `room`, or for the
   * room-independent routes (lists, all-rooms stream) when undefined.
   */
  authorize(token: string | undefined, room: string | undefined): Promise<Decision>
  /**
   * A token for a link to `room` with `role`, for someone the caller shares it with: never a
   * higher role than the caller's, never another room, never outliving the caller's token. It names
   * nobody, so whoever opens the link picks their own name. Null when auth is off (a plain link).
   */
  share(grant: Grant, room: string, role: Role, ttlSeconds: number): Promise<SharedToken | null>
}

export interface SharedToken {
  token: string
  /** ms since the epoch. */
  expiresAt: number
}

/** A share the caller's grant does not allow. */
export class ShareRefused extends Error {
  override name = 'ShareRefused'
}

/** With auth off everything is allowed (design.md "Auth"), deleting rooms included. */
const OPEN: Grant = { role: 'admin', user: null, covers: () => true, expiresAt: null }

export function createAuthorizer(secret: string | undefined): Authorizer {
  if (!secret) return { enabled: false, authorize: async () => ({ ok: true, grant: OPEN }), share: async () => null }
  return {
    enabled: true,
    async share(grant, room, role, ttlSeconds) {
      if (!roleAllows(grant.role, role)) throw new ShareRefused(`a ${grant.role} token cannot share ${role} links`)
      if (!grant.covers(room)) throw new ShareRefused(`token does not cover room ${room}`)
      const nowSeconds = Math.floor(Date.now() / 1000)
      const capSeconds = grant.expiresAt === null ? Infinity : Math.floor(grant.expiresAt / 1000) - nowSeconds
      const seconds = Math.min(ttlSeconds, capSeconds)
      if (seconds <= 0) throw new ShareRefused('token expires now')
      const token = await signToken(secret, { sub: `share:${randomUUID()}`, room, role }, seconds)
      return { token, expiresAt: (nowSeconds + seconds) * 1000 }
    },
    async authorize(token, room) {
      if (!token) return { ok: false, status: 401, error: 'token required' }
      let claims
      try {
        claims = await verifyToken(secret, token)
      } catch (error) {
        if (error instanceof TokenError) return { ok: false, status: 401, error: error.message }
        throw error
      }
      const grant: Grant = {
        role: claims.role,
        user: claims.name === undefined ? null : { sub: claims.sub, name: claims.name },
        covers: (name) => roomClaimCovers(claims.room, name),
        expiresAt: claims.exp * 1000,
      }
      if (room !== undefined && !grant.covers(room)) return { ok: false, status: 403, error: `token does not cover room ${room}` }
      return { ok: true, grant }
    },
  }
}
