/**
 * Access tokens: JWTs signed with HS256, the UTF-8 bytes of the server's secret as the key.
 * Claims: `sub`, `name`, `room` (a room name, a prefix ending in `*`, or `*`), `role` (`admin`,
 * `edit` or `view`) and `exp`. Any backend holding the secret can mint them; `cowrite token` is one.
 * A token without `name` (a shared link's) names nobody: its holder chooses a name in the editor.
 */
import { SignJWT, errors, jwtVerify } from 'jose'
import { capUserName, type Role } from '@cowrite/protocol'

export type { Role }

export interface TokenClaims {
  sub: string
  /** Absent: the token names nobody, and the client's awareness name is used. */
  name?: string
  room: string
  role: Role
  /** Expiry, seconds since the epoch. */
  exp: number
}

/** Why a token was refused, in words fit for a 401 body. */
export class TokenError extends Error {
  override name = 'TokenError'
}

const ALGORITHM = 'HS256'

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret)
}

/** Mint a token valid for `ttlSeconds`. */
export async function signToken(secret: string, claims: Omit<TokenClaims, 'exp'>, ttlSeconds: number): Promise<string> {
  return new SignJWT({ ...(claims.name === undefined ? {} : { name: claims.name }), room: claims.room, role: claims.role })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key(secret))
}

/** Verify signature, algorithm, expiry and claim shapes; throws `TokenError` saying which failed. */
export async function verifyToken(secret: string, token: string): Promise<TokenClaims> {
  let payload
  try {
    ;({ payload } = await jwtVerify(token, key(secret), { algorithms: [ALGORITHM], requiredClaims: ['exp'] }))
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new TokenError('token expired')
    if (error instanceof errors.JWTClaimValidationFailed) throw new TokenError(`token claim ${error.claim} invalid: ${error.reason}`)
    throw new TokenError('token invalid')
  }
  const { sub, name, room, role, exp } = payload as Partial<Record<string, unknown>>
  if (typeof sub !== 'string') throw new TokenError('token claim sub missing')
  if (name !== undefined && (typeof name !== 'string' || capUserName(name) === '')) throw new TokenError('token claim name invalid: a non-empty string or absent')
  if (typeof room !== 'string' || room === '') throw new TokenError('token claim room missing')
  if (role !== 'admin' && role !== 'edit' && role !== 'view') throw new TokenError('token claim role must be admin, edit or view')
  // The name is shown to everyone in the room: capped like an awareness name.
  return { sub, ...(name === undefined ? {} : { name: capUserName(name as string) }), room, role, exp: exp as number }
}

/** Whether a token's `room` claim covers `room`: equal, `*`, or a `prefix*` it starts with. */
export function roomClaimCovers(claim: string, room: string): boolean {
  if (claim.endsWith('*')) return room.startsWith(claim.slice(0, -1))
  return claim === room
}

/** Parse a time-to-live like `90`, `30s`, `15m`, `1h` or `7d` into seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim())
  if (!match) throw new RangeError(`Invalid TTL ${JSON.stringify(text)}: use seconds or a number with s, m, h or d`)
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd']
  const seconds = Number(match[1]) * unit
  if (seconds <= 0) throw new RangeError(`Invalid TTL ${JSON.stringify(text)}: must be positive`)
  return seconds
}

const ROLE_RANK: Record<Role, number> = { view: 0, edit: 1, admin: 2 }

/** Whether `role` may do what `needed` may (admin ⊇ edit ⊇ view). */
export function roleAllows(role: Role, needed: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[needed]
}
