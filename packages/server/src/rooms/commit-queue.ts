/**
 * Group commit: every room's updates of one event-loop turn are appended to storage in one
 * transaction, and only then relayed. So an update any client has received is already stored,
 * and a burst of keystrokes across many rooms costs one write, not one per keystroke.
 */
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { Storage } from '../storage/storage.js'
import type { CommitScheduler, Room } from './room.js'
import { CONTENT } from './room.js'

/** Delay before a failed commit is tried again. */
const RETRY_AFTER_MS = 1_000

export class CommitQueue implements CommitScheduler {
  private readonly dirty = new Set<Room>()
  private scheduled = false
  /** The commit in flight; the next one starts after it, so appends keep their order. */
  private inFlight: Promise<void> = Promise.resolve()
  private retryTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly storage: Storage,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  schedule(room: Room): void {
    this.dirty.add(room)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => void this.commit())
  }

  /** Resolve once everything scheduled so far has been committed (or has failed). */
  async drain(): Promise<void> {
    while (this.scheduled || this.dirty.size > 0) await this.commit()
    await this.inFlight
  }

  /** Stop retrying failed commits (shutdown). */
  stop(): void {
    clearTimeout(this.retryTimer)
  }

  private commit(): Promise<void> {
    this.scheduled = false
    const rooms = [...this.dirty]
    this.dirty.clear()
    const taken = rooms.map((room) => ({ room, updates: room.takePending() })).filter(({ updates }) => updates.length > 0)
    if (taken.length === 0) return this.inFlight
    const batch = taken.map(({ room, updates }) => ({
      room: room.name,
      updates: updates.map(({ update }) => update),
      length: room.doc.getText(CONTENT).length,
    }))
    this.inFlight = this.inFlight.then(async () => {
      const stopTimer = this.metrics.storageAppendSeconds.startTimer()
      try {
        await this.storage.append(batch)
      } catch (error) {
        this.metrics.error('storage')
        for (const { room, updates } of taken) {
          this.log.error({ room: room.name, err: error, updates: updates.length }, 'storage append failed')
          room.commitFailed(updates, error as Error)
        }
        this.retryLater(taken.map(({ room }) => room))
        return
      } finally {
        stopTimer()
      }
      for (const { room, updates } of taken) room.committed(updates)
    })
    return this.inFlight
  }

  private retryLater(rooms: readonly Room[]): void {
    clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => {
      for (const room of rooms) this.schedule(room)
    }, RETRY_AFTER_MS)
  }
}
