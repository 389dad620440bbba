/**
 * When a store's compactions run, whatever the store: one per room at a time; one scheduled by an
 * append starts a turn later (so the append's relay is not delayed by the read); an explicit one
 * waits for a running one and then also folds what it missed; none starts once the store closes.
 * What a compaction does (read, merge on the worker, write) is the store's `fold`.
 */
import type { Logger } from '../log.js'

export interface CompactionRuns {
  /** After an append: compact each of `rooms` not already compacting; failures are logged. */
  schedule(rooms: readonly string[]): void
  /** Compact `room` now; resolves once its folded rows are replaced. */
  compact(room: string): Promise<void>
  /** Whether a compaction of `room` is running (its rows read, its result not yet written). */
  running(room: string): boolean
  /** Resolves once no compaction is running. */
  settled(): Promise<void>
  /** Resolves once no compaction of `room` is running (a deletion waits, so none writes after it). */
  settledFor(room: string): Promise<void>
  /** Start no more, and resolve once the running ones are done. */
  close(): Promise<void>
  /** True once `close` was called: a fold checks it before writing. */
  readonly closing: boolean
}

/** `fold(room, scheduled)` compacts one room; `scheduled` is true when an append asked for it. */
export function createCompactionRuns(fold: (room: string, scheduled: boolean) => Promise<void>, log?: Logger): CompactionRuns {
  const running = new Map<string, Promise<void>>()
  let closing = false

  const start = (room: string, scheduled: boolean): Promise<void> => {
    const run = (async () => {
      if (scheduled) await new Promise<void>((resolve) => setImmediate(resolve))
      if (closing) return
      await fold(room, scheduled)
    })().finally(() => {
      if (running.get(room) === run) running.delete(room)
    })
    running.set(room, run)
    return run
  }

  return {
    get closing() {
      return closing
    },
    // A failed compaction loses nothing (the log is intact) and is tried again after the room's
    // next append, since its counts stay above the threshold.
    schedule(rooms) {
      for (const room of rooms) {
        if (closing || running.has(room)) continue
        start(room, true).catch((error: unknown) => log?.error({ room, err: error }, 'storage compaction failed'))
      }
    },
    running: (room) => running.has(room),
    compact(room) {
      const current = running.get(room)
      if (!current) return start(room, false)
      return current.catch(() => {}).then(() => start(room, false))
    },
    async settled() {
      while (running.size > 0) await Promise.allSettled(running.values())
    },
    async settledFor(room) {
      for (let run = running.get(room); run; run = running.get(room)) await run.catch(() => {})
    },
    async close() {
      closing = true
      await Promise.allSettled(running.values())
    },
  }
}
