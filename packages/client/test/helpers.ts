/** Test helpers: wait for a condition without fixed sleeps. */

/** Resolve once `predicate` holds, polling every few milliseconds; fail after `timeoutMs` naming `what`. */
export async function until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
