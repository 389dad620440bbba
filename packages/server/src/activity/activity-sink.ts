/**
 * Where the activity tracker hands what it has stored: the SSE hub (stream/activity-hub.ts)
 * implements it, and so may anything else that follows activity live (webhooks).
 */
import type { ActivityEvent } from '@cowrite/protocol'
import type { Room } from '../rooms/room.js'

export interface ActivitySink {
  /** An event stored in the activity log, for everyone following its room. */
  publish(event: ActivityEvent): void
  /** Stored document updates of a room, for its live replicas. */
  publishUpdates(room: Room, updates: readonly Uint8Array[]): void
}
