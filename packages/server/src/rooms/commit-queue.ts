/**
 * Group commit: every room's updates of one event-loop turn are appended to storage in one
 * transaction, and only then relayed. So an update any client has received is already stored,
 * and a burst of keystrokes across many rooms costs one write, not one per keystroke.
 *
 * One commit runs at a time, so appends keep their order; updates that arrive while a commit is in
 * flight go into the next one. A failed commit gives its updates back to their rooms (in front of
 * anything newer) and is retried, both on a timer and whenever the room has something new, so
 * nothing that was applied is ever dropped while the process lives.
 */
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { RoomAppend, Storage } from '../storage/storage.js'
import type { PendingUpdate } from './fan-out.js'
import type { CommitScheduler, Room } from './room.js'
import type { Connection } from '../sync/connection.js'

/** Delay before failed commits are tried again. */
const RETRY_AFTER_MS = 1_000

interface Taken {
  room: Room
  updates: PendingUpdate<Connection | null>[]
}

export class CommitQueue implements CommitScheduler {
  private readonly dirty = new Set<Room>()
  /** Rooms whose last commit failed: retried until one succeeds. */
  private readonly failing = new Set<Room>()
  private scheduled = false
  /** The commit loop while it runs; it keeps going until no room is dirty. */
  private running: Promise<void> | null = null
  private retryTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly storage: Storage,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly retryAfterMs = RETRY_AFTER_MS,
  ) {}

  /** Commit `room`'s pending updates at the end of this event-loop turn (never on a timer). */
  schedule(room: Room): void {
    this.dirty.add(room)
    if (this.scheduled || this.running) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      void this.run()
    })
  }

  /**
   * Commit everything pending, giving failing rooms one more try; resolves when nothing is in
   * flight, with the names of the rooms whose updates are still unstored (each logged: they die
   * with the process).
   */
  async drain(): Promise<string[]> {
    clearTimeout(this.retryTimer)
    for (const room of this.failing) this.dirty.add(room)
    while (this.running || this.dirty.size > 0) await this.run()
    for (const room of this.failing) {
      this.log.error({ room: room.name, err: room.storageError }, 'updates left unstored at shutdown')
    }
    return [...this.failing].map((room) => room.name)
  }

  /** Stop retrying failed commits (shutdown). */
  stop(): void {
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
  }

  /** Forget a room that is being unloaded. */
  forget(room: Room): void {
    this.dirty.delete(room)
    this.failing.delete(room)
  }

  private run(): Promise<void> {
    this.running ??= (async () => {
      try {
        while (this.dirty.size > 0) await this.commitOnce()
      } finally {
        this.running = null
      }
    })()
    return this.running
  }

  private async commitOnce(): Promise<void> {
    const rooms = [...this.dirty]
    this.dirty.clear()
    const taken: Taken[] = []
    for (const room of rooms) {
      const updates = room.takePending()
      if (updates.length > 0) taken.push({ room, updates })
    }
    if (taken.length === 0) return
    try {
      await this.append(taken)
      this.succeeded(taken)
    } catch (error) {
      if (taken.length === 1) return this.failed(taken, error as Error)
      // One transaction failed for all: find out room by room which ones really fail, so a room
      // whose data the store rejects does not take the others down with it.
      for (const one of taken) {
        try {
          await this.append([one])
          this.succeeded([one])
        } catch (roomError) {
          this.failed([one], roomError as Error)
        }
      }
    }
  }

  private async append(taken: readonly Taken[]): Promise<void> {
    const batch: RoomAppend[] = taken.map(({ room, updates }) => ({
      room: room.name,
      updates: updates.map(({ update }) => update),
      length: room.length,
    }))
    const stopTimer = this.metrics.storageAppendSeconds.startTimer()
    try {
      await this.storage.append(batch)
    } finally {
      stopTimer()
    }
  }

  private succeeded(taken: readonly Taken[]): void {
    for (const { room, updates } of taken) {
      if (this.failing.delete(room)) this.log.info({ room: room.name, updates: updates.length }, 'storage recovered')
      try {
        room.committed(updates)
      } catch (error) {
        // Relaying is the room's business; a fault there must not stop other rooms' commits.
        this.log.error({ room: room.name, err: error }, 'relaying committed updates failed')
      }
    }
  }

  private failed(taken: readonly Taken[], error: Error): void {
    this.metrics.error('storage')
    for (const { room, updates } of taken) {
      this.log.error({ room: room.name, err: error, updates: updates.length }, 'storage append failed; updates held back and retried')
      this.failing.add(room)
      room.commitFailed(updates, error)
    }
    this.retryLater()
  }

  private retryLater(): void {
    if (this.retryTimer) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      for (const room of this.failing) this.schedule(room)
    }, this.retryAfterMs)
  }
}
