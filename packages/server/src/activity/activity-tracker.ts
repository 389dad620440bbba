/**
 * Turns what happens in rooms into activity events: joins (once the user is known), edits
 * coalesced per peer, and leaves. It stores each event in the activity log, then hands it
 * to its sink (the stream hub); it also forwards stored document updates to live replicas.
 *
 * Coalescing: a peer's first change is emitted at once; further changes within the next
 * second are summed into one trailing event emitted at most a second later, and so on while the
 * typing lasts. Pending sums are flushed when the peer leaves and at shutdown.
 */
import type { ActivityUser, NewActivityEvent } from '@cowrite/protocol'
import type { Logger } from '../log.js'
import type { Peer } from '../rooms/peer.js'
import type { HistoryNote, Room, RoomObserver } from '../rooms/room.js'
import type { ActivityLog } from '../storage/activity-log.js'
import type { ActivitySink } from './activity-sink.js'

export interface ActivityTrackerOptions {
  /** How long a join may wait for the client to announce its awareness user. Default 500 ms. */
  joinWaitMs?: number
  /** Coalescing window of edit events. Default 1000 ms. */
  coalesceMs?: number
}

/** One author of edits in one room: a peer, or the server itself (null). */
interface Author {
  room: Room
  peer: Peer | null
  /** Set while the join waits for the user's awareness state. */
  joinTimer: NodeJS.Timeout | undefined
  /** Set while a coalescing window is open. */
  windowTimer: NodeJS.Timeout | undefined
  inserted: number
  deleted: number
  /** The last user seen: a client removes its awareness state before it closes, not after. */
  user: ActivityUser
}

export class ActivityTracker implements RoomObserver {
  private readonly authors = new Map<Peer | Room, Author>()
  /** The last user of each peer that left, for its edits stored after it left. */
  private readonly departed = new WeakMap<Peer, ActivityUser>()
  private readonly joinWaitMs: number
  private readonly coalesceMs: number
  /** Appends in flight, chained so events are published in id order. */
  private chain: Promise<void> = Promise.resolve()

  constructor(
    private readonly activity: ActivityLog,
    private readonly sink: ActivitySink,
    private readonly log: Logger,
    options: ActivityTrackerOptions = {},
  ) {
    this.joinWaitMs = options.joinWaitMs ?? 500
    this.coalesceMs = options.coalesceMs ?? 1000
  }

  joined(room: Room, peer: Peer): void {
    const author = this.author(room, peer)
    if (room.userOf(peer)) return this.emitJoin(author)
    author.joinTimer = setTimeout(() => this.emitJoin(author), this.joinWaitMs)
  }

  presenceChanged(room: Room, peer: Peer): void {
    const author = this.authors.get(peer)
    if (!author) return
    author.user = room.userOf(peer) ?? author.user
    if (author.joinTimer && author.user) this.emitJoin(author)
  }

  edited(room: Room, peer: Peer | null, inserted: number, deleted: number): void {
    if (peer && !this.authors.has(peer) && !peer.isOpen) {
      // Stored after its author left (storage was failing): reported now, once, with nothing kept.
      const user = this.departed.get(peer) ?? room.userOf(peer)
      return this.emit(this.oneOff(room, user), { type: 'edit', inserted, deleted, length: room.length })
    }
    const author = this.author(room, peer)
    author.inserted += inserted
    author.deleted += deleted
    if (author.joinTimer || author.windowTimer) return
    this.emitEdit(author)
  }

  left(room: Room, peer: Peer): void {
    const author = this.authors.get(peer)
    if (!author) return
    this.settle(author)
    this.authors.delete(peer)
    this.departed.set(peer, author.user)
    this.emit(author, { type: 'leave' })
  }

  committed(room: Room, updates: readonly Uint8Array[]): void {
    this.sink.publishUpdates(room, updates)
  }

  noted(room: Pick<Room, 'name'>, note: HistoryNote, user: ActivityUser): void {
    this.store(room.name, note, user)
  }

  /** Emit every pending sum and wait until all events are stored and published (shutdown). */
  async flush(): Promise<void> {
    for (const author of this.authors.values()) this.settle(author)
    await this.chain
  }

  /** An author for one event, kept nowhere: its user is fixed. */
  private oneOff(room: Room, user: ActivityUser): Author {
    return { room, peer: null, joinTimer: undefined, windowTimer: undefined, inserted: 0, deleted: 0, user }
  }

  private author(room: Room, peer: Peer | null): Author {
    const key = peer ?? room
    let author = this.authors.get(key)
    if (!author) {
      author = { room, peer, joinTimer: undefined, windowTimer: undefined, inserted: 0, deleted: 0, user: null }
      this.authors.set(key, author)
    }
    return author
  }

  private emitJoin(author: Author): void {
    clearTimeout(author.joinTimer)
    author.joinTimer = undefined
    this.emit(author, { type: 'join' })
    // Edits made before the user was known follow their join.
    if (author.inserted > 0 || author.deleted > 0) this.emitEdit(author)
  }

  /** Emit a pending join and sums now, opening no new window: the author leaves or the server stops. */
  private settle(author: Author): void {
    if (author.joinTimer) this.emitJoin(author)
    clearTimeout(author.windowTimer)
    author.windowTimer = undefined
    if (author.inserted > 0 || author.deleted > 0) this.emit(author, this.takeEdit(author))
  }

  /** The pending sums as an edit event's fields, zeroing them. */
  private takeEdit(author: Author): { type: 'edit'; inserted: number; deleted: number; length: number } {
    const fields = { type: 'edit' as const, inserted: author.inserted, deleted: author.deleted, length: author.room.length }
    author.inserted = 0
    author.deleted = 0
    return fields
  }

  /** Emit the pending sums now and open a window collecting the next second's. */
  private emitEdit(author: Author): void {
    this.emit(author, this.takeEdit(author))
    author.windowTimer = setTimeout(() => {
      author.windowTimer = undefined
      if (author.inserted > 0 || author.deleted > 0) this.emitEdit(author)
    }, this.coalesceMs)
  }

  private emit(author: Author, fields: { type: 'join' } | { type: 'leave' } | { type: 'edit'; inserted: number; deleted: number; length: number } | HistoryNote): void {
    if (author.peer) author.user = author.room.userOf(author.peer) ?? author.user
    this.store(author.room.name, fields, author.user)
  }

  /** Store one event, then publish it, in the order events were emitted. */
  private store(room: string, fields: { type: 'join' } | { type: 'leave' } | HistoryNote, user: ActivityUser): void {
    const event = { ...fields, room, at: new Date().toISOString(), user } as NewActivityEvent
    this.chain = this.chain.then(
      () => this.activity.append(event).then((stored) => this.sink.publish(stored)),
    ).catch((error: unknown) => {
      this.log.error({ room, err: error, type: fields.type }, 'activity event not stored')
    })
  }
}
