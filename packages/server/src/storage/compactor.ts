/**
 * Compaction off the event loop: merging a room's snapshot and log costs time in proportion to the
 * whole document (60–170 ms for a 1.7 MB one), which on the main thread would stall every room's
 * relays. One worker thread does the Yjs work; the store reads the rows and writes the result.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/** The worker's code, CommonJS evaluated in the worker; `yjs` is resolved by the parent. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Y = require(workerData.yjs)
parentPort.on('message', ({ id, updates }) => {
  try {
    let merged
    if (updates.length === 1) merged = updates[0]
    else {
      const doc = new Y.Doc({ gc: true })
      doc.transact(() => { for (const update of updates) Y.applyUpdate(doc, update) })
      merged = Y.encodeStateAsUpdate(doc)
      doc.destroy()
    }
    parentPort.postMessage({ id, merged })
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.stack) || error) })
  }
})
`

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
    const yjs = createRequire(import.meta.url).resolve('yjs')
    const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { yjs } })
    started.unref()
    started.on('message', ({ id, merged, error }: { id: number; merged?: Uint8Array; error?: string }) => {
      const waiting = pending.get(id)
      if (!waiting) return
      pending.delete(id)
      if (error !== undefined) waiting.reject(new Error(`compaction failed: ${error}`))
      else waiting.resolve(new Uint8Array(merged!.buffer, merged!.byteOffset, merged!.byteLength))
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
      worker.postMessage({ id, updates })
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
