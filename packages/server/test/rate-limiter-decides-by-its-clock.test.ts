/**
 * The rate limiter on a clock the test turns by hand: a burst of ten seconds' worth passes, the
 * next message pauses the socket for as long as its debt takes to repay, the pause is re-checked
 * (and capped at 1 s, so the grace is checked while the flood lasts), a socket that slows down
 * reads again, and one held over the rate past the grace is to be closed.
 */
import { describe, expect, it } from 'vitest'
import { RateLimiter } from '../src/sync/rate-limiter.js'

function limiter(rate: number, graceMs: number) {
  let now = 0
  const limit = new RateLimiter({ rate, graceMs, now: () => now })
  return { limit, advance: (ms: number) => (now += ms) }
}

describe('the rate limiter', () => {
  it('lets a burst of ten seconds of messages through, then pauses for the debt', () => {
    const { limit } = limiter(100, 10_000)
    for (let i = 0; i < 1000; i++) expect(limit.take()).toEqual({ action: 'read' })
    expect(limit.take()).toEqual({ action: 'pause', pauseMs: 10 })
    for (let i = 0; i < 99; i++) limit.take()
    expect(limit.take()).toEqual({ action: 'pause', pauseMs: 1000 })
  })

  it('reads again once the debt is repaid', () => {
    const { limit, advance } = limiter(100, 10_000)
    for (let i = 0; i < 1005; i++) limit.take()
    expect(limit.recheck()).toEqual({ action: 'pause', pauseMs: 50 })
    advance(50)
    expect(limit.recheck()).toEqual({ action: 'read' })
  })

  it('closes a socket held over the rate past the grace, however it is paced', () => {
    const { limit, advance } = limiter(100, 2_000)
    for (let i = 0; i < 1001; i++) limit.take()
    // Twice the rate for 3 s: always in debt.
    let verdict = limit.take()
    for (let ms = 0; ms < 3_000 && verdict.action !== 'close'; ms += 5) {
      advance(5)
      verdict = limit.take()
    }
    expect(verdict).toEqual({ action: 'close' })
  })

  it('forgives a socket that slowed down, and is off at rate 0', () => {
    const { limit, advance } = limiter(100, 2_000)
    for (let i = 0; i < 1010; i++) limit.take()
    advance(1_500)
    expect(limit.take()).toEqual({ action: 'read' })
    advance(5_000)
    expect(limit.take()).toEqual({ action: 'read' })
    const off = limiter(0, 0).limit
    for (let i = 0; i < 10_000; i++) expect(off.take().action).toBe('read')
  })
})
