/**
 * What a client may read from its own token without the secret: the claimed role, so the editor
 * can open read-only instead of letting a viewer type into a document the server will not change,
 * and the claimed name, which the server reports as this person's in the activity log.
 * The server verifies the signature; this is a hint for the interface, never a permission.
 */
import { capUserName, type Role } from '@cowrite/protocol'
import { fromBase64UrlEncoded } from 'lib0/buffer'
import { decodeUtf8 } from 'lib0/string'

function isRole(value: unknown): value is Role {
  return value === 'admin' || value === 'edit' || value === 'view'
}

/** The payload of a JWT (base64url JSON), or undefined if the token is absent or not readable. */
function tokenClaims(token: string | undefined): Record<string, unknown> | undefined {
  const payload = token?.split('.')[1]
  if (!payload) return undefined
  try {
    const claims: unknown = JSON.parse(decodeUtf8(fromBase64UrlEncoded(payload)))
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** The `role` claim of a JWT, or undefined if the token is absent or not readable. */
export function tokenRole(token: string | undefined): Role | undefined {
  const role = tokenClaims(token)?.role
  return isRole(role) ? role : undefined
}

/**
 * The `name` claim of a JWT, capped as the server caps user names (`capUserName`), or undefined
 * if the token is absent, not readable or names nobody.
 */
export function tokenName(token: string | undefined): string | undefined {
  const name = tokenClaims(token)?.name
  if (typeof name !== 'string') return undefined
  return capUserName(name) || undefined
}
