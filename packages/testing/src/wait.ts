/**
 * Bounded waiting for tests: wait for a condition instead of sleeping a fixed time, and fail
 * with a message naming what was awaited, so a broken run fails quickly instead of hanging.
 */

/** Anything with `on`/`off` listeners: Node emitters, lib0 observables, ws sockets. */
export interface Listenable {
  on(event: string, listener: (...args: any[]) => void): unknown
  off(event: string, listener: (...args: any[]) => void): unknown
}

export interface WaitOptions {
  /** Give up after this long. Default 10 s. */
  timeoutMs?: number
  /** Events after which the condition is checked again at once (it is also polled). */
  on?: ReadonlyArray<readonly [Listenable, string]>
  /** Poll interval for conditions no event announces (HTTP answers, page state). Default 10 ms. */
  pollMs?: number
}

/**
 * Resolve once `condition` holds; it is checked now, after each listed event, and on a short
 * poll. Rejects after the timeout with `what` and the last error the condition threw, if any.
 */
export function waitUntil(what: string, condition: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const { timeoutMs = 10_000, on = [], pollMs = 10 } = options
  return new Promise((resolve, reject) => {
    let done = false
    let checking = false
    let lastError: unknown
    const finish = (error?: Error) => {
      if (done) return
      done = true
      clearTimeout(timer)
      clearInterval(poll)
      for (const [target, event] of on) target.off(event, check)
      if (error) reject(error)
      else resolve()
    }
    async function check(): Promise<void> {
      if (done || checking) return
      checking = true
      try {
        if (await condition()) finish()
      } catch (error) {
        lastError = error
      } finally {
        checking = false
      }
    }
    const timer = setTimeout(() => {
      const detail = lastError ? `: last error ${(lastError as Error).message}` : ''
      finish(new Error(`timed out after ${timeoutMs} ms waiting until ${what}${detail}`))
    }, timeoutMs)
    const poll = setInterval(() => void check(), pollMs)
    for (const [target, event] of on) target.on(event, check)
    void check()
  })
}
