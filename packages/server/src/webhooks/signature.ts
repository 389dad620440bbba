/**
 * The webhook signature (design.md "Webhooks"): `sha256=<hex HMAC-SHA256 of the raw body>` with
 * the shared secret, so a receiver can check that a request came from this server, unaltered.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/** What a receiver does: compare in constant time. */
export function verifyBody(secret: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signBody(secret, body))
  const given = Buffer.from(signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}
