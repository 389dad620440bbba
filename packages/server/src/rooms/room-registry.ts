/**
 * The rooms loaded on this instance. A room is loaded once however many clients arrive together
 * (a map of loads in progress), and unloaded after a grace period once it has no connections and
 * nothing left to store. A room whose last write failed stays loaded.
 *
 * Deleting a room (`delete`) comes out either fully deleted or untouched, whatever is loading or
 * committing meanwhile: the name is marked as being deleted, so new acquirers wait and then get a
 * new, empty room; a load in progress is waited for; the loaded room closes its sockets with 4404
 * (no more input), gives back whatever the commit queue has not stored yet and waits for a commit
 * in flight to land; then the store removes everything of the room in one transaction, the other
 * instances are told to drop it (fan-out), and the `deleted` activity event is emitted.
 */
import type { Fanout, FanoutEvent, FanoutHandler } from '../fanout/fanout.js'
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { Storage } from '../storage/storage.js'
import { CommitQueue } from './commit-queue.js'
import type { AwarenessLimits } from './awareness-relay.js'
import { CloseCode, type ActivityUser } from '@cowrite/protocol'
import { Room, type HistoryNote, type RoomObserver } from './room.js'
import { encodeRoomDeletedSignal, isRoomDeletedSignal } from './room-deleted-signal.js'
import { VersionRecorder, type VersionTiming } from './version-recorder.js'

export interface RoomRegistryOptions {
  storage: Storage
  log: Logger
  metrics: Metrics
  observer: RoomObserver
  /** Where rooms publish what they relay. */
  fanout: Fanout
  /** Grace period before an idle room is unloaded. */
  unloadAfterMs: number
  /** Bounds of each room's awareness. */
  awareness: AwarenessLimits
  /** Delay before failed commits are retried. Default 1 s. */
  retryAfterMs?: number
  /** When automatic versions are recorded (tests shorten it). */
  versionTiming?: VersionTiming
}

/** A room this instance cannot serve right now because storage failed it. */
export interface FailingRoom {
  name: string
  /** `write`: its last append failed (it stays loaded); `load`: it could not be read. */
  operation: 'write' | 'load'
  error: Error
}

export class RoomRegistry {
  private readonly rooms = new Map<string, Room>()
  private readonly loading = new Map<string, Promise<Room>>()
  private readonly unloadTimers = new Map<Room, NodeJS.Timeout>()
  /** Each loaded room's fan-out subscription. */
  private readonly handlers = new Map<Room, FanoutHandler>()
  /** Rooms whose last load failed, until one succeeds. */
  private readonly loadErrors = new Map<string, Error>()
  /** Rooms being deleted, until done: acquirers wait for it. */
  private readonly deleting = new Map<string, Promise<boolean>>()
  private closed = false
  readonly commits: CommitQueue
  /** Records the rooms' versions, automatic and named. */
  readonly versions: VersionRecorder
  /** What rooms report to: the given observer, with the version recorder listening in. */
  private readonly observer: RoomObserver

  constructor(private readonly options: RoomRegistryOptions) {
    this.commits = new CommitQueue(options.storage, options.log, options.metrics, options.retryAfterMs)
    const outer = options.observer
    this.versions = new VersionRecorder(options.storage.history, (room, note, user) => outer.noted(room, note, user), options.log, options.versionTiming)
    const versions = this.versions
    this.observer = {
      joined: (room, peer) => outer.joined(room, peer),
      presenceChanged: (room, peer) => outer.presenceChanged(room, peer),
      committed: (room, updates) => outer.committed(room, updates),
      noted: (room, note, user) => outer.noted(room, note, user),
      edited(room, peer, inserted, deleted) {
        outer.edited(room, peer, inserted, deleted)
        versions.edited(room)
      },
      left(room, peer) {
        outer.left(room, peer)
        versions.left(room, peer)
      },
    }
  }

  /** Report what a room's history did (a restore) to the activity log. */
  note(room: Room, note: HistoryNote, user: ActivityUser): void {
    this.observer.noted(room, note, user)
  }

  /**
   * An HTTP write (rooms/writer.ts) to `room` was stored: report it as one `edit` event by `user`
   * and count it as editing for the automatic versions.
   */
  wrote(room: Room, inserted: number, deleted: number, user: ActivityUser): void {
    if (inserted > 0 || deleted > 0) this.observer.noted(room, { type: 'edit', inserted, deleted, length: room.length }, user)
    this.versions.edited(room)
  }

  /** The loaded room, if any. */
  get(name: string): Room | undefined {
    return this.rooms.get(name)
  }

  loaded(): IterableIterator<Room> {
    return this.rooms.values()
  }

  /**
   * The room, loading it if needed, held loaded until the matching `release` (attach its
   * connection before releasing, and the connection keeps it loaded in turn).
   */
  async acquire(name: string): Promise<Room> {
    for (;;) {
      if (this.closed) throw new Error(`room ${name} requested after the server closed`)
      const deleting = this.deleting.get(name)
      if (deleting) {
        await deleting.catch(() => {})
        continue
      }
      const room = this.rooms.get(name) ?? (await this.load(name))
      // Deleted while it loaded: the name stands for a new room now.
      if (room.isDeleted) continue
      room.hold()
      this.cancelUnload(room)
      return room
    }
  }

  /**
   * Delete the room `name` here and in the store, on behalf of `user` (see the module header).
   * Resolves true when there was a room to delete (loaded, or anything stored), false when it
   * never existed; rejects when the store's deletion fails (the room's sockets are closed by then,
   * the stored room is untouched, and a retry deletes it). Concurrent calls share one deletion.
   */
  delete(name: string, user: ActivityUser): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error(`room ${name} deleted after the server closed`))
    let running = this.deleting.get(name)
    if (!running) {
      running = this.runDelete(name, user).finally(() => this.deleting.delete(name))
      this.deleting.set(name, running)
    }
    return running
  }

  private async runDelete(name: string, user: ActivityUser): Promise<boolean> {
    await this.loading.get(name)?.catch(() => {})
    const room = this.rooms.get(name)
    if (room) await this.takeDown(room)
    await this.versions.settled(name)
    const stored = await this.options.storage.delete(name)
    this.loadErrors.delete(name)
    if (!room && !stored) return false
    this.options.fanout.publish(name, { payload: encodeRoomDeletedSignal(), except: null, remoteOnly: true })
    this.options.log.info({ room: name, user: user?.name ?? null }, 'room deleted')
    this.observer.noted({ name }, { type: 'deleted' }, user)
    return true
  }

  /**
   * Stop a room being deleted and unload it: sockets closed with 4404, nothing of it left in the
   * commit queue or in flight. Resolves whether a commit of it was still in flight (it landed).
   */
  private async takeDown(room: Room): Promise<boolean> {
    room.beginDeletion()
    this.versions.forget(room)
    const landed = await this.commits.withdraw(room)
    this.cancelUnload(room)
    if (this.rooms.get(room.name) === room) {
      this.rooms.delete(room.name)
      this.options.metrics.rooms.dec()
    }
    this.commits.forget(room)
    this.unsubscribe(room)
    // Whoever waited for the withdrawn updates (a replica's snapshot) is let go, then the room.
    room.stored()
    this.cancelUnload(room)
    room.destroy(CloseCode.roomDeleted, 'room deleted')
    return landed
  }

  /**
   * Another instance deleted the room: drop it here too. A commit of it that was in flight here
   * may have landed after that instance's deletion, so the store is cleared once more then.
   */
  private dropDeleted(name: string): void {
    if (this.deleting.has(name) || this.closed) return
    const running = (async () => {
      await this.loading.get(name)?.catch(() => {})
      const room = this.rooms.get(name)
      if (!room) return false
      this.options.log.info({ room: name }, 'room deleted on another instance; dropped here')
      if (await this.takeDown(room)) await this.options.storage.delete(name)
      return true
    })()
      .catch((error: unknown) => {
        this.options.log.error({ room: name, err: error }, 'dropping a room deleted elsewhere failed')
        return false
      })
      .finally(() => this.deleting.delete(name))
    this.deleting.set(name, running)
  }

  /** Let an acquired room go; it is unloaded after the grace period if nothing else holds it. */
  release(room: Room): void {
    room.unhold()
    if (room.isIdle) this.scheduleUnload(room)
  }

  /** Rooms whose last storage write or load failed, for health checks. */
  failing(): FailingRoom[] {
    const failing: FailingRoom[] = []
    for (const room of this.rooms.values()) {
      if (room.storageError) failing.push({ name: room.name, operation: 'write', error: room.storageError })
    }
    for (const [name, error] of this.loadErrors) failing.push({ name, operation: 'load', error })
    return failing
  }

  /**
   * Store what is pending and close every room's sockets with 1001. Resolves with the rooms
   * whose updates could not be stored.
   */
  async close(): Promise<string[]> {
    this.closed = true
    await Promise.allSettled(this.loading.values())
    const unstored = await this.commits.drain()
    this.commits.stop()
    await this.versions.close()
    for (const timer of this.unloadTimers.values()) clearTimeout(timer)
    this.unloadTimers.clear()
    for (const room of this.rooms.values()) {
      this.unsubscribe(room)
      room.destroy()
    }
    this.rooms.clear()
    return unstored
  }

  private load(name: string): Promise<Room> {
    let loading = this.loading.get(name)
    if (!loading) {
      loading = this.open(name)
        .then((room) => {
          this.rooms.set(name, room)
          this.loadErrors.delete(name)
          this.options.metrics.rooms.inc()
          return room
        })
        .catch((error: unknown) => {
          // A read error, or a stored update that does not apply (a corrupt row): reported by
          // /healthz until a later load of the room succeeds.
          const failure = error instanceof Error ? error : new Error(String(error))
          this.loadErrors.set(name, failure)
          throw failure
        })
        .finally(() => this.loading.delete(name))
      this.loading.set(name, loading)
    }
    return loading
  }

  /**
   * Subscribe to the room's fan-out channel first, then load it from the store: whatever another
   * instance publishes meanwhile is held and applied after the load (Yjs updates are idempotent),
   * so nothing in between is missed.
   */
  private async open(name: string): Promise<Room> {
    const { fanout, storage } = this.options
    const early: FanoutEvent[] = []
    let room: Room | undefined
    const handler: FanoutHandler = (event) => {
      if (event.kind === 'message' && event.remote && isRoomDeletedSignal(event.payload)) return this.dropDeleted(name)
      if (!room) early.push(event)
      else if (event.kind === 'resync') void this.catchUp(room)
      else room.receiveFanout(event)
    }
    await fanout.subscribe(name, handler)
    try {
      room = new Room(name, await storage.load(name), {
        log: this.options.log,
        metrics: this.options.metrics,
        commits: this.commits,
        fanout,
        observer: this.observer,
        awareness: this.options.awareness,
        onIdle: (idle) => this.scheduleUnload(idle),
      })
    } catch (error) {
      fanout.unsubscribe(name, handler)
      throw error
    }
    this.handlers.set(room, handler)
    for (const event of early.splice(0)) handler(event)
    room.queryStates()
    return room
  }

  /** The shared fan-out is back after an outage: apply what others stored meanwhile, republish. */
  private async catchUp(room: Room): Promise<void> {
    try {
      const stored = await this.options.storage.load(room.name)
      if (this.rooms.get(room.name) === room) room.catchUp(stored)
    } catch (error) {
      this.options.log.error({ room: room.name, err: error }, 'catching up from the store failed')
    }
  }

  private scheduleUnload(room: Room): void {
    this.cancelUnload(room)
    const timer = setTimeout(() => {
      this.unloadTimers.delete(room)
      if (!room.isIdle || this.rooms.get(room.name) !== room) return
      this.rooms.delete(room.name)
      this.commits.forget(room)
      this.options.metrics.rooms.dec()
      this.unsubscribe(room)
      room.destroy()
      this.options.log.debug({ room: room.name }, 'room unloaded')
    }, this.options.unloadAfterMs)
    timer.unref()
    this.unloadTimers.set(room, timer)
  }

  private unsubscribe(room: Room): void {
    const handler = this.handlers.get(room)
    if (handler) this.options.fanout.unsubscribe(room.name, handler)
    this.handlers.delete(room)
  }

  private cancelUnload(room: Room): void {
    clearTimeout(this.unloadTimers.get(room))
    this.unloadTimers.delete(room)
  }
}
