/**
 * The stored activity log: one strictly increasing id sequence over all rooms, never reused
 * (not even across restarts), with the oldest events dropped past a retention count. Each store
 * keeps it beside its documents (memory-activity.ts, sqlite-activity.ts).
 */
import type { ActivityEvent, NewActivityEvent } from '@cowrite/protocol'

export interface ActivityLog {
  /** Give `event` the next id and store it. */
  append(event: NewActivityEvent): Promise<ActivityEvent>
  /** Stored events with an id above `id`, oldest first, of one room if given, at most `limit`. */
  after(id: number, room: string | undefined, limit: number): Promise<ActivityEvent[]>
  /** The newest `count` events (of one room if given), oldest first. */
  tail(count: number, room: string | undefined): Promise<ActivityEvent[]>
  /** The lowest and highest ids retained, null when empty. */
  bounds(): Promise<{ oldest: number | null; newest: number | null }>
  /**
   * For a log shared by several instances (PostgreSQL): call `listener` with every event appended
   * from now on, by any instance (this one included), exactly once each, in id order, across lost
   * connections. Resolves once following has begun, with the function that stops it.
   */
  follow?(listener: (event: ActivityEvent) => void): Promise<() => Promise<void>>
}
