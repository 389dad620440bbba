/**
 * What a client may read from its own token without the secret: the claimed role, so the editor
 * can open read-only instead of letting a viewer type into a document the server will not change.
 * The server verifies the signature; this is a hint for the interface, never a permission.
 */
import type { Role } from '@cowrite/protocol'
import { fromBase64UrlEncoded } from 'lib0/buffer'
import { decodeUtf8 } from 'lib0/string'

function isRole(value: unknown): value is Role {
  return value === 'admin' || value === 'edit' || value === 'view'
}

/** The `role` claim of a JWT (its payload is base64url JSON), or undefined if the token is absent or not readable. */
export function tokenRole(token: string | undefined): Role | undefined {
  const payload = token?.split('.')[1]
  if (!payload) return undefined
  try {
    const claims = JSON.parse(decodeUtf8(fromBase64UrlEncoded(payload))) as { role?: unknown }
    return isRole(claims.role) ? claims.role : undefined
  } catch {
    return undefined
  }
}
