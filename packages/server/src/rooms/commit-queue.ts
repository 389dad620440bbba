/**
 * Group commit: every room's updates of one event-loop turn are appended to storage in one
 * transaction, and only then relayed. So an update any client has received is already stored,
 * and a burst of keystrokes across many rooms costs one write, not one per keystroke.
 *
 * The queue holds each room's updates from the moment they are applied until they are stored.
 * One commit runs at a time, so appends keep their order; updates that arrive while a commit is in
 * flight go into the next one. A failed commit puts its updates back (in front of anything newer)
 * and is retried, both on a timer and whenever the room has something new, so nothing that was
 * applied is ever dropped while the process lives.
 */
import type { ActivityUser } from '@cowrite/protocol'
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { RoomAppend, Storage } from '../storage/storage.js'
import { mergeByOrigin, type PendingUpdate } from './merge-updates.js'
import type { Peer } from './peer.js'
import { Writer } from './writer.js'

/** Where a held update came from: a peer, an HTTP writer, or the server itself. */
export type UpdateOrigin = Peer | Writer | null

/** Delay before failed commits are tried again. */
const RETRY_AFTER_MS = 1_000

/** A room as the queue sees it: a name, its text length and title, and what to do with the outcome. */
export interface Committable {
  readonly name: string
  /** Length of the text once everything applied is stored. */
  readonly length: number
  /** The title once everything applied is stored. */
  title(): string | null
  /** The whole document as one update (what is applied: stored once nothing is pending). */
  encodedState(): Uint8Array
  /** Who made the updates of `origin`, for the history (asked once per origin per commit). */
  authorOf(origin: UpdateOrigin): ActivityUser
  /** `updates` are stored: relay them and report them. */
  committed(updates: readonly PendingUpdate<UpdateOrigin>[]): void
  /** Everything applied so far is stored: release whoever waited for that. */
  stored(): void
  /** `updates` could not be stored; they are held and retried. */
  commitFailed(updates: readonly PendingUpdate<UpdateOrigin>[], error: Error): void
}

interface Taken {
  room: Committable
  updates: PendingUpdate<UpdateOrigin>[]
}

export class CommitQueue {
  /** Each room's updates applied and not yet stored, in order. */
  private readonly pending = new Map<Committable, PendingUpdate<UpdateOrigin>[]>()
  /** Rooms whose updates are being appended right now. */
  private readonly inFlight = new Set<Committable>()
  /** Rooms whose last commit failed, with its error: retried until one succeeds. */
  private readonly failing = new Map<Committable, Error>()
  private scheduled = false
  /** The commit loop while it runs; it keeps going until no room has anything pending. */
  private running: Promise<void> | null = null
  private retryTimer: NodeJS.Timeout | undefined
  /** Who waits for a room's commit in flight to land (stored or failed): `withdraw`. */
  private readonly landed = new Map<Committable, Array<() => void>>()

  constructor(
    private readonly storage: Storage,
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly retryAfterMs = RETRY_AFTER_MS,
  ) {}

  /** Hold `update` until it is stored, committed at the end of this event-loop turn (never on a timer). */
  add(room: Committable, update: PendingUpdate<UpdateOrigin>): void {
    const held = this.pending.get(room)
    if (held) held.push(update)
    else this.pending.set(room, [update])
    this.schedule()
  }

  /** Whether `room` has applied updates that are not stored yet (pending, or held after a failure). */
  holds(room: Committable): boolean {
    return this.pending.has(room) || this.inFlight.has(room) || this.failing.has(room)
  }

  /** The error of the room's last failed commit, until one succeeds. */
  errorOf(room: Committable): Error | undefined {
    return this.failing.get(room)
  }

  /**
   * Commit everything pending, giving failing rooms one more try; resolves when nothing is in
   * flight, with the names of the rooms whose updates are still unstored (each logged: they die
   * with the process).
   */
  async drain(): Promise<string[]> {
    clearTimeout(this.retryTimer)
    while (this.running || this.pending.size > 0) {
      await this.run()
      // Rooms failing again are not retried in a loop: one more try each is all shutdown gives.
      if ([...this.pending.keys()].every((room) => this.failing.has(room))) break
    }
    for (const [room, error] of this.failing) this.log.error({ room: room.name, err: error }, 'updates left unstored at shutdown')
    return [...this.failing.keys()].map((room) => room.name)
  }

  /** Stop retrying failed commits (shutdown). */
  stop(): void {
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
  }

  /**
   * Take back everything of `room` not stored yet (it is being deleted): pending and failed
   * updates are dropped (an HTTP writer among their origins is told through `dropped`), and this
   * resolves once no commit of the room is in flight, so nothing of it reaches the store after:
   * with true if it had to wait for one.
   */
  async withdraw(room: Committable): Promise<boolean> {
    let waited = false
    for (;;) {
      const dropped = this.pending.get(room) ?? []
      this.pending.delete(room)
      this.failing.delete(room)
      for (const { origin } of dropped) {
        if (origin instanceof Writer) this.guarded(room, 'reporting a withdrawn write failed', () => origin.dropped())
      }
      if (!this.inFlight.has(room)) return waited
      waited = true
      // A failed commit in flight puts its updates back: the next turn of the loop drops them.
      await new Promise<void>((resolve) => {
        const waiting = this.landed.get(room)
        if (waiting) waiting.push(resolve)
        else this.landed.set(room, [resolve])
      })
    }
  }

  /** Forget a room that is being unloaded (it holds nothing). */
  forget(room: Committable): void {
    this.pending.delete(room)
    this.failing.delete(room)
  }

  private schedule(): void {
    if (this.scheduled || this.running) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      void this.run()
    })
  }

  private run(): Promise<void> {
    this.running ??= (async () => {
      // Never finish synchronously: with nothing pending (a room withdrawn since it was
      // scheduled) the `finally` below would clear `running` before `??=` assigns it, and the
      // finished loop would then stand for a running one forever, so nothing would commit again.
      await Promise.resolve()
      try {
        // Keep committing what arrives meanwhile, but try a room that fails only once per run.
        const failed = new Set<Committable>()
        while ([...this.pending.keys()].some((room) => !failed.has(room))) await this.commitOnce(failed)
      } finally {
        this.running = null
      }
    })()
    return this.running
  }

  /** Commit every room with pending updates but those in `failed`, adding the rooms that fail now. */
  private async commitOnce(failed: Set<Committable>): Promise<void> {
    const taken: Taken[] = []
    for (const [room, updates] of this.pending) {
      if (failed.has(room)) continue
      this.pending.delete(room)
      this.inFlight.add(room)
      taken.push({ room, updates: updates.length > 1 ? mergeByOrigin(updates) : updates })
    }
    if (taken.length === 0) return
    try {
      await this.append(taken)
      this.succeeded(taken)
    } catch (error) {
      if (taken.length === 1) {
        this.failed(taken, error as Error)
        failed.add(taken[0]!.room)
        return
      }
      // One transaction failed for all: find out room by room which ones really fail, so a room
      // whose data the store rejects does not take the others down with it.
      for (const one of taken) {
        try {
          await this.append([one])
          this.succeeded([one])
        } catch (roomError) {
          this.failed([one], roomError as Error)
          failed.add(one.room)
        }
      }
    }
  }

  private async append(taken: readonly Taken[]): Promise<void> {
    const batch: RoomAppend[] = taken.map(({ room, updates }) => ({
      room: room.name,
      changes: updates.map(({ update, origin }) => ({ update, author: room.authorOf(origin) })),
      length: room.length,
      title: room.title(),
      // With nothing newer pending, what the room holds is exactly what this append stores.
      state: this.pending.has(room) || this.failing.has(room) ? undefined : () => room.encodedState(),
    }))
    const started = performance.now()
    try {
      await this.storage.append(batch)
    } finally {
      this.metrics.storageAppendSeconds.observe((performance.now() - started) / 1000)
    }
  }

  /** A room's commit in flight is done, one way or the other: wake whoever withdraws it. */
  private land(room: Committable): void {
    this.inFlight.delete(room)
    const waiting = this.landed.get(room)
    if (!waiting) return
    this.landed.delete(room)
    for (const resolve of waiting) resolve()
  }

  private succeeded(taken: readonly Taken[]): void {
    for (const { room, updates } of taken) {
      this.land(room)
      if (this.failing.delete(room)) this.log.info({ room: room.name, updates: updates.length }, 'storage recovered')
      // Relaying and releasing are apart: a fault while relaying must neither stop other rooms'
      // commits nor strand the clients waiting for their first sync.
      this.guarded(room, 'relaying committed updates failed', () => room.committed(updates))
      if (!this.holds(room)) this.guarded(room, 'releasing stored state failed', () => room.stored())
    }
  }

  private failed(taken: readonly Taken[], error: Error): void {
    this.metrics.error('storage')
    for (const { room, updates } of taken) {
      this.land(room)
      this.log.error({ room: room.name, err: error, updates: updates.length }, 'storage append failed; updates held back and retried')
      this.failing.set(room, error)
      this.pending.set(room, [...updates, ...(this.pending.get(room) ?? [])])
      this.guarded(room, 'reporting a failed commit failed', () => room.commitFailed(updates, error))
    }
    this.retryLater()
  }

  private guarded(room: Committable, what: string, step: () => void): void {
    try {
      step()
    } catch (error) {
      this.log.error({ room: room.name, err: error }, what)
    }
  }

  private retryLater(): void {
    if (this.retryTimer) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      this.schedule()
    }, this.retryAfterMs)
  }
}
