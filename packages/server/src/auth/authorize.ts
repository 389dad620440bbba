/**
 * The one access decision, used by the WebSocket upgrade, the REST routes and both SSE routes.
 * Without a secret everything is open with the `edit` role; with one, a token is required
 * (the caller reads it from `?token=` or `Authorization: Bearer`) and decides the role, the user and the rooms covered.
 */
import { TokenError, roomClaimCovers, verifyToken, type Role } from './tokens.js'

/** What a request may do. */
export interface Grant {
  role: Role
  /** The token's identity; null when auth is off. */
  user: { sub: string; name: string } | null
  /** Whether the grant reaches `room`. */
  covers(room: string): boolean
  /** When the token expires, ms since the epoch; null when it never does. */
  expiresAt: number | null
}

export type Decision = { ok: true; grant: Grant } | { ok: false; status: 401 | 403; error: string }

export interface Authorizer {
  readonly enabled: boolean
  /**
   * Decide for the `token` a request carries (see http/request-target.ts), for `room`, or for the
   * room-independent routes (lists, all-rooms stream) when undefined.
   */
  authorize(token: string | undefined, room: string | undefined): Promise<Decision>
}

const OPEN: Grant = { role: 'edit', user: null, covers: () => true, expiresAt: null }

export function createAuthorizer(secret: string | undefined): Authorizer {
  if (!secret) return { enabled: false, authorize: async () => ({ ok: true, grant: OPEN }) }
  return {
    enabled: true,
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
        user: { sub: claims.sub, name: claims.name },
        covers: (name) => roomClaimCovers(claims.room, name),
        expiresAt: claims.exp * 1000,
      }
      if (room !== undefined && !grant.covers(room)) return { ok: false, status: 403, error: `token does not cover room ${room}` }
      return { ok: true, grant }
    },
  }
}
