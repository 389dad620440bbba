/**
 * Bounded waiting: every helper here rejects after a timeout with a message that names what it
 * was waiting for, so a broken server fails a test quickly instead of hanging it. `waitUntil` is
 * the one @cowrite/testing shares with the apps' tests.
 */
import type { Listenable } from '@cowrite/testing'

export { waitUntil, type Listenable, type WaitOptions } from '@cowrite/testing'

const DEFAULT_TIMEOUT_MS = 5_000

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
