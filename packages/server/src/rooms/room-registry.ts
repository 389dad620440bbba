/**
 * The rooms loaded on this instance. A room is loaded once however many clients arrive together
 * (a map of loads in progress), and unloaded after a grace period once it has no connections and
 * nothing left to store. A room whose last write failed stays loaded.
 */
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { Storage } from '../storage/storage.js'
import { CommitQueue } from './commit-queue.js'
import { Room } from './room.js'

export interface RoomRegistryOptions {
  storage: Storage
  log: Logger
  metrics: Metrics
  /** Grace period before an idle room is unloaded. */
  unloadAfterMs: number
}

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>()
  private readonly loading = new Map<string, Promise<Room>>()
  private readonly unloadTimers = new Map<Room, NodeJS.Timeout>()
  readonly commits: CommitQueue

  constructor(private readonly options: RoomRegistryOptions) {
    this.commits = new CommitQueue(options.storage, options.log, options.metrics)
  }

  /** The loaded room, if any. */
  get(name: string): Room | undefined {
    return this.rooms.get(name)
  }

  loaded(): IterableIterator<Room> {
    return this.rooms.values()
  }

  /**
   * The room, loading it if needed. Callers must attach a connection or call `release` after,
   * so an unused room is unloaded again.
   */
  async acquire(name: string): Promise<Room> {
    const room = this.rooms.get(name) ?? (await this.load(name))
    this.cancelUnload(room)
    return room
  }

  /** Let an acquired room go; it is unloaded after the grace period if nothing else holds it. */
  release(room: Room): void {
    if (room.isIdle) this.scheduleUnload(room)
  }

  /** Rooms whose last storage write failed, for health checks. */
  failing(): Room[] {
    return [...this.rooms.values()].filter((room) => room.storageError !== null)
  }

  /** Store what is pending and close every room's sockets with 1001. */
  async close(): Promise<void> {
    await Promise.allSettled(this.loading.values())
    await this.commits.drain()
    this.commits.stop()
    for (const timer of this.unloadTimers.values()) clearTimeout(timer)
    this.unloadTimers.clear()
    for (const room of this.rooms.values()) room.destroy()
    this.rooms.clear()
  }

  private load(name: string): Promise<Room> {
    let loading = this.loading.get(name)
    if (!loading) {
      loading = this.options.storage
        .load(name)
        .then((updates) => {
          const room = new Room(name, updates, {
            log: this.options.log,
            metrics: this.options.metrics,
            commits: this.commits,
            onIdle: (idle) => this.scheduleUnload(idle),
          })
          this.rooms.set(name, room)
          this.options.metrics.rooms.inc()
          return room
        })
        .finally(() => this.loading.delete(name))
      this.loading.set(name, loading)
    }
    return loading
  }

  private scheduleUnload(room: Room): void {
    this.cancelUnload(room)
    const timer = setTimeout(() => {
      this.unloadTimers.delete(room)
      if (!room.isIdle || this.rooms.get(room.name) !== room) return
      this.rooms.delete(room.name)
      this.options.metrics.rooms.dec()
      room.destroy()
      this.options.log.debug({ room: room.name }, 'room unloaded')
    }, this.options.unloadAfterMs)
    timer.unref()
    this.unloadTimers.set(room, timer)
  }

  private cancelUnload(room: Room): void {
    clearTimeout(this.unloadTimers.get(room))
    this.unloadTimers.delete(room)
  }
}
