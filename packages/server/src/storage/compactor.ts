/**
 * Compaction off the event loop: merging a room's snapshot and log costs time in proportion to the
 * whole document (60–170 ms for a 1.7 MB one), which on the main thread would stall every room's
 * relays. One worker thread does the Yjs work; the store reads the rows and writes the result.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { CompactRequest, CompactResponse } from './compact-worker.js'

/**
 * The worker's module, built beside this one. Run from TypeScript source (the test runner), this
 * module has no compiled sibling, so the built one is used: `pnpm build` comes first.
 */
function workerUrl(): URL {
  const sibling = new URL('./compact-worker.js', import.meta.url)
  return existsSync(fileURLToPath(sibling)) ? sibling : new URL('../../dist/storage/compact-worker.js', import.meta.url)
}

export interface Compactor {
  /** The updates merged into one holding the same state (see compact.ts). */
  compact(updates: readonly Uint8Array[]): Promise<Uint8Array>
  /** Stop the worker; pending compactions reject. */
  close(): Promise<void>
}

interface Pending {
  resolve(merged: Uint8Array): void
  reject(error: Error): void
}

/** A compactor whose worker starts on first use and never keeps the process alive. */
export function createCompactor(): Compactor {
  let worker: Worker | undefined
  let nextId = 0
  const pending = new Map<number, Pending>()

  const failAll = (error: Error) => {
    for (const { reject } of pending.values()) reject(error)
    pending.clear()
    worker = undefined
  }

  const start = (): Worker => {
    const started = new Worker(workerUrl())
    started.unref()
    started.on('message', (response: CompactResponse) => {
      const waiting = pending.get(response.id)
      if (!waiting) return
      pending.delete(response.id)
      if ('error' in response) waiting.reject(new Error(`compaction failed: ${response.error}`))
      else waiting.resolve(new Uint8Array(response.merged.buffer, response.merged.byteOffset, response.merged.byteLength))
    })
    started.on('error', (error) => failAll(error))
    started.on('exit', (code) => {
      if (worker === started) failAll(new Error(`compaction worker exited with code ${code}`))
    })
    return started
  }

  return {
    compact(updates) {
      worker ??= start()
      const id = nextId++
      const result = new Promise<Uint8Array>((resolve, reject) => pending.set(id, { resolve, reject }))
      worker.postMessage({ id, updates: [...updates] } satisfies CompactRequest)
      return result
    },
    async close() {
      const stopping = worker
      worker = undefined
      failAll(new Error('compaction worker closed'))
      await stopping?.terminate()
    },
  }
}
