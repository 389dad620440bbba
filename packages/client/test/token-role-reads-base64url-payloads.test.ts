/**
 * tokenRole reads a JWT's payload as base64url (RFC 7515: `-` and `_`, no padding), as UTF-8
 * JSON: a payload whose encoding uses those characters, or a name outside ASCII, still yields
 * its role, and anything unreadable yields none.
 */
import { describe, expect, it } from 'vitest'
import { tokenRole } from '../src/token.js'

/** A token with `claims` as its payload; the signature is never checked on the client. */
function token(claims: unknown): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`
}

describe('tokenRole', () => {
  it.each([
    ['edit', { role: 'edit', name: 'Ada' }],
    ['view', { role: 'view', name: 'Bob' }],
    ['admin', { role: 'admin', name: 'Root' }],
    // `~~~` and `???` encode to base64url `-` and `_`, which plain base64 decoding refuses or misreads.
    ['view', { role: 'view', name: '~~~???~~~' }],
    ['edit', { role: 'edit', name: 'Zoë 🦊 Łukasz' }],
  ])('reads role %s', (role, claims) => {
    expect(tokenRole(token(claims))).toBe(role)
  })

  it('has a case whose payload holds both base64url-only characters', () => {
    expect(token({ role: 'view', name: '~~~???~~~' }).split('.')[1]).toMatch(/-.*_|_.*-/)
  })

  it.each([
    ['no token', undefined],
    ['an empty token', ''],
    ['no payload', 'header'],
    ['a payload that is not JSON', `x.${Buffer.from('not json').toString('base64url')}.y`],
    ['an unknown role', token({ role: 'owner' })],
    ['no role', token({ name: 'Ada' })],
  ])('reads no role from %s', (_case, value) => {
    expect(tokenRole(value)).toBeUndefined()
  })
})
