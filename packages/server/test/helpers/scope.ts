/**
 * Teardown in reverse order of setup, run after each test whether it passed or not. Sockets,
 * providers, awareness timers and servers all go through here, so no test leaves the process
 * hanging or a port open.
 */
import { afterEach } from 'vitest'

export interface Scope {
  /** Run `dispose` after the current test, before whatever was deferred earlier. */
  defer(dispose: () => unknown): void
}

/** A scope for every test of the calling file (call once, at module level). */
export function useScope(): Scope {
  const disposers: Array<() => unknown> = []
  afterEach(async () => {
    const errors: unknown[] = []
    for (const dispose of disposers.splice(0).reverse()) {
      try {
        await dispose()
      } catch (error) {
        errors.push(error)
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'teardown failed')
  })
  return { defer: (dispose) => void disposers.push(dispose) }
}
