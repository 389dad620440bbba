/**
 * Seeded randomness, so a failing run replays. The seed comes from `COWRITE_TEST_SEED` when set,
 * else from the caller; every test prints the seed it used in its assertion messages.
 */
import * as prng from 'lib0/prng'
import type * as Y from 'yjs'

export type Random = prng.PRNG

/** The seed to use: `COWRITE_TEST_SEED` wins over `fallback`. */
export function testSeed(fallback: number): number {
  const fromEnv = Number(process.env.COWRITE_TEST_SEED)
  return Number.isInteger(fromEnv) && process.env.COWRITE_TEST_SEED !== '' ? fromEnv : fallback
}

export function createRandom(seed: number): Random {
  return prng.create(seed)
}

/** An integer in [min, max], both included. */
export function int(random: Random, min: number, max: number): number {
  return prng.int32(random, min, max)
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return prng.oneOf(random, items as T[])
}

export function bytes(random: Random, length: number): Uint8Array {
  return prng.uint8Array(random, length)
}

/** A short word of lowercase letters, sometimes with a multi-unit character, to exercise UTF-16. */
export function word(random: Random, maxLength = 8): string {
  const text = prng.word(random, 1, maxLength)
  return prng.bool(random) ? text : text + pick(random, ['é', '😀', '\n', ' '])
}

/** A random edit of `text`: an insert of a word, or (one time in four) a delete of up to 5 characters. */
export function randomEdit(random: Random, text: Y.Text): void {
  if (text.length > 0 && int(random, 0, 3) === 0) {
    const index = int(random, 0, text.length - 1)
    text.delete(index, int(random, 1, Math.min(5, text.length - index)))
  } else {
    text.insert(int(random, 0, text.length), word(random))
  }
}
