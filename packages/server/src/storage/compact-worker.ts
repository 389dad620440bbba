/**
 * The compaction worker thread (started by compactor.ts): it merges a room's updates with the
 * same function the main thread would use, so the event loop that relays keystrokes never runs it.
 *
 * Messages in: `{ id, updates }`; out: `{ id, merged }` or `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads'
import { compactUpdates } from './compact.js'

export interface CompactRequest {
  id: number
  updates: Uint8Array[]
}

export type CompactResponse = { id: number; merged: Uint8Array } | { id: number; error: string }

const port = parentPort
if (!port) throw new Error('compact-worker.js runs as a worker thread (see compactor.ts)')

port.on('message', ({ id, updates }: CompactRequest) => {
  let response: CompactResponse
  try {
    response = { id, merged: compactUpdates(updates) }
  } catch (error) {
    response = { id, error: String((error as Error).stack ?? error) }
  }
  port.postMessage(response)
})
