/**
 * Reconnect delays: exponential backoff with "equal jitter". The n-th consecutive failure waits
 * between half and all of `min(maxMs, baseMs · 2^(n-1))`, so a crowd of clients dropped by one
 * server restart spreads out instead of returning in lockstep, and no client ever retries at once
 * in a tight loop. Pure: the random source is passed in.
 */

export interface BackoffOptions {
  /** Ceiling of the first delay in milliseconds. Default 1000. */
  baseMs?: number
  /** Largest ceiling in milliseconds. Default 30 000. */
  maxMs?: number
}

export const BACKOFF_DEFAULTS = { baseMs: 1000, maxMs: 30_000 } as const

/** The ceiling for the `failures`-th consecutive failure (1-based): the delay lies in [ceiling/2, ceiling]. */
export function backoffCeiling(failures: number, options: BackoffOptions = {}): number {
  if (!Number.isInteger(failures) || failures < 1) throw new RangeError(`Invalid failure count ${failures}: must be an integer ≥ 1`)
  const baseMs = options.baseMs ?? BACKOFF_DEFAULTS.baseMs
  const maxMs = options.maxMs ?? BACKOFF_DEFAULTS.maxMs
  if (!(baseMs > 0) || !(maxMs >= baseMs)) throw new RangeError(`Invalid backoff bounds base ${baseMs} ms, max ${maxMs} ms`)
  // 2^(failures-1) overflows to Infinity long after it passed maxMs, and min() takes care of that.
  return Math.min(maxMs, baseMs * 2 ** (failures - 1))
}

/**
 * How long to wait before the next attempt after `failures` consecutive failures.
 * `random` returns a number in [0, 1), like `Math.random`.
 */
export function backoffDelay(failures: number, random: () => number, options: BackoffOptions = {}): number {
  const ceiling = backoffCeiling(failures, options)
  const r = random()
  if (!(r >= 0 && r < 1)) throw new RangeError(`random() must return a number in [0, 1), got ${r}`)
  return Math.round(ceiling / 2 + (r * ceiling) / 2)
}
