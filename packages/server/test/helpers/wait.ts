/**
 * Bounded waiting: every helper here rejects after a timeout with a message that names what it
 * was waiting for, so a broken server fails a test quickly instead of hanging it.
 */

/** Anything with `on`/`off` listeners: Node emitters, lib0 observables, ws sockets. */
export interface Listenable {
  on(event: string, listener: (...args: any[]) => void): unknown
  off(event: string, listener: (...args: any[]) => void): unknown
}

export const DEFAULT_TIMEOUT_MS = 5_000

/** Resolve with the arguments of the next `event` of `target`. */
export function nextEvent<Args extends unknown[] = unknown[]>(
  target: Listenable,
  event: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<Args> {
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      clearTimeout(timer)
      target.off(event, listener)
      resolve(args as Args)
    }
    const timer = setTimeout(() => {
      target.off(event, listener)
      reject(new Error(`timed out after ${timeoutMs} ms waiting for event ${JSON.stringify(event)}`))
    }, timeoutMs)
    target.on(event, listener)
  })
}

export interface WaitOptions {
  timeoutMs?: number
  /** Events after which the condition is checked again at once (it is also polled). */
  on?: ReadonlyArray<readonly [Listenable, string]>
  /** Poll interval for conditions no event announces (HTTP answers, process state). */
  pollMs?: number
}

/**
 * Resolve once `condition` holds; it is checked now, after each listed event, and on a short
 * poll. Rejects after the timeout with `what` and the last error or value seen.
 */
export function waitUntil(what: string, condition: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, on = [], pollMs = 20 } = options
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
