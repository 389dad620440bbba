/**
 * What a client may read from its own token without the secret: the claimed role, so the editor
 * can open read-only instead of letting a viewer type into a document the server will not change.
 * The server verifies the signature; this is a hint for the interface, never a permission.
 */

export type Role = 'edit' | 'view'

/** The `role` claim of a JWT, or undefined if the token is absent or not readable. */
export function tokenRole(token: string | undefined): Role | undefined {
  const payload = token?.split('.')[1]
  if (!payload) return undefined
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/')
    const json = JSON.parse(atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='))) as { role?: unknown }
    return json.role === 'edit' || json.role === 'view' ? json.role : undefined
  } catch {
    return undefined
  }
}
