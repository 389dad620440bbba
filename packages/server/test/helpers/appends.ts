/**
 * Storage appends as the commit queue builds them, for tests that talk to a store directly.
 */
import type { ActivityUser } from '@cowrite/protocol'
import type { RoomAppend } from '../../src/storage/storage.js'

/** One room's append of `updates`, all by `author` (nobody known by default), untitled. */
export function appendOf(room: string, updates: readonly Uint8Array[], length: number, author: ActivityUser = null): RoomAppend {
  return { room, changes: updates.map((update) => ({ update, author })), length, title: null }
}
