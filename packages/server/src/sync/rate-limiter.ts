/**
 * The message rate limit of one socket, as a token bucket with a clock of its own (injected, so
 * tests need no waiting): `rate` messages per second, a burst of ten seconds' worth. A socket over
 * the rate is told how long to stop being read (TCP backpressure: nothing is dropped); one held
 * over it for longer than the grace period is to be closed.
 */

/** Longest single pause, so the grace period is checked while a socket stays over the rate. */
const MAX_PAUSE_MS = 1_000

export interface RateLimiterOptions {
  /** Messages per second; 0 turns the limit off. */
  rate: number
  /** How long a socket may stay over the rate before it is closed. */
  graceMs: number
  /** Milliseconds on a monotonic clock. Default `performance.now`. */
  now?: () => number
}

/** What to do with a socket: keep reading, stop reading for `pauseMs`, or close it. */
export type RateVerdict = { action: 'read' } | { action: 'pause'; pauseMs: number } | { action: 'close' }

const READ: RateVerdict = { action: 'read' }

/** The default clock, shared: a closure per socket would cost memory for every idle connection. */
const monotonicNow = (): number => performance.now()

export class RateLimiter {
  private readonly now: () => number
  private tokens: number
  private lastRefill: number
  /** When the socket went over the rate; 0 while it is not. */
  private limitedSince = 0

  constructor(private readonly options: RateLimiterOptions) {
    this.now = options.now ?? monotonicNow
    this.tokens = options.rate * 10
    this.lastRefill = this.now()
  }

  /** Count one message. */
  take(): RateVerdict {
    const { rate } = this.options
    if (rate <= 0) return READ
    this.refill()
    // Back under the rate only with some budget to spare: a resume timer firing a little late
    // must not count as the client having slowed down.
    if (this.tokens >= Math.max(1, rate / 10)) this.limitedSince = 0
    this.tokens -= 1
    if (this.tokens >= 0) return READ
    if (this.limitedSince === 0) this.limitedSince = this.now()
    return this.verdict()
  }

  /** After a pause: read again, pause more, or close. */
  recheck(): RateVerdict {
    this.refill()
    return this.tokens >= 0 ? READ : this.verdict()
  }

  /** In debt: pause until it is repaid (at most MAX_PAUSE_MS at a time), or close after the grace. */
  private verdict(): RateVerdict {
    if (this.now() - this.limitedSince > this.options.graceMs) return { action: 'close' }
    return { action: 'pause', pauseMs: Math.min(Math.ceil((-this.tokens * 1000) / this.options.rate), MAX_PAUSE_MS) }
  }

  private refill(): void {
    const now = this.now()
    this.tokens = Math.min(this.options.rate * 10, this.tokens + ((now - this.lastRefill) * this.options.rate) / 1000)
    this.lastRefill = now
  }
}
