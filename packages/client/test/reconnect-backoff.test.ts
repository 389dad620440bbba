import { describe, expect, it } from 'vitest'
import { backoffCeiling, backoffDelay } from '../src/backoff.js'

describe('backoff', () => {
  it.each([
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 16_000],
    [6, 30_000],
    [7, 30_000],
    [2000, 30_000],
  ])('failure %i has ceiling %i ms with the defaults', (failures, ceiling) => {
    expect(backoffCeiling(failures)).toBe(ceiling)
  })

  it('keeps every delay within [ceiling/2, ceiling] for the whole range of random()', () => {
    for (let failures = 1; failures <= 10; failures++) {
      const ceiling = backoffCeiling(failures, { baseMs: 500, maxMs: 20_000 })
      for (const r of [0, 0.25, 0.5, 0.999_999]) {
        const delay = backoffDelay(failures, () => r, { baseMs: 500, maxMs: 20_000 })
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2)
        expect(delay).toBeLessThanOrEqual(ceiling)
      }
    }
  })

  it('spreads clients over the whole jitter window, not one point', () => {
    let seed = 42
    // A tiny seeded LCG, so a failure replays.
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31)
    const delays = Array.from({ length: 1000 }, () => backoffDelay(3, random))
    expect(Math.min(...delays)).toBeLessThan(2100)
    expect(Math.max(...delays)).toBeGreaterThan(3900)
    expect(new Set(delays).size).toBeGreaterThan(500)
  })

  it('throws on a programmer mistake, naming the value', () => {
    expect(() => backoffCeiling(0)).toThrow(/Invalid failure count 0/)
    expect(() => backoffDelay(1, () => 1)).toThrow(/got 1/)
    expect(() => backoffCeiling(1, { baseMs: 10, maxMs: 5 })).toThrow(/base 10 ms, max 5 ms/)
  })
})
