/**
 * When a room's history gets a version (design.md "History"): automatically after each burst of
 * editing (the room quiet for 30 s, its last editor leaving, or at least every 10 minutes of
 * continuous editing), and by name when someone asks. Each version recorded is also an activity
 * event. A version records only what is stored: the recorder waits for the room's pending
 * updates first.
 */
import type { ActivityUser } from '@cowrite/protocol'
import type { Logger } from '../log.js'
import { type HistoryStore, type StoredVersion } from '../storage/history.js'
import type { Peer } from './peer.js'
import type { HistoryNote, Room } from './room.js'

export interface VersionTiming {
  /** A room this long without an edit ends a burst. Default 30 s. */
  quietMs: number
  /** Continuous editing gets a version at least this often. Default 10 min. */
  maxBurstMs: number
}

/** A version asked of a room that was deleted meanwhile. */
export class RoomGone extends Error {
  override name = 'RoomGone'
}

export const VERSION_TIMING: VersionTiming = { quietMs: 30_000, maxBurstMs: 10 * 60_000 }

/** A room edited since its last version: when the burst began, its last edit, and the quiet timer. */
interface Burst {
  startedAt: number
  lastEditAt: number
  quiet: NodeJS.Timeout
}

export class VersionRecorder {
  private readonly bursts = new Map<Room, Burst>()
  /** Recordings in flight, awaited at close. */
  private readonly recording = new Set<Promise<unknown>>()
  /** The same, by room name. */
  private readonly recordingOf = new Map<string, Set<Promise<unknown>>>()
  /** Recordings waiting for their room's updates to be stored: refused at close, which stores no more. */
  private readonly waiting = new Set<(error: Error) => void>()
  private closing = false

  constructor(
    private readonly history: HistoryStore,
    private readonly note: (room: Room, note: HistoryNote, user: ActivityUser) => void,
    private readonly log: Logger,
    private readonly timing: VersionTiming = VERSION_TIMING,
  ) {}

  /**
   * An edit made here was stored. This runs for every commit of a typing room, so it only notes
   * the time: the burst's one timer, when it fires, waits again for whatever quiet is left.
   */
  edited(room: Room): void {
    const now = Date.now()
    const burst = this.bursts.get(room)
    if (!burst) {
      this.bursts.set(room, { startedAt: now, lastEditAt: now, quiet: this.quietTimer(room, this.timing.quietMs) })
      return
    }
    if (now - burst.startedAt >= this.timing.maxBurstMs) return void this.automatic(room)
    burst.lastEditAt = now
  }

  /** After `delay`: the burst ends if the room has been quiet long enough, else wait the rest. */
  private quietTimer(room: Room, delay: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      const burst = this.bursts.get(room)
      if (!burst) return
      const quietFor = Date.now() - burst.lastEditAt
      if (quietFor >= this.timing.quietMs) void this.automatic(room)
      else burst.quiet = this.quietTimer(room, this.timing.quietMs - quietFor)
    }, delay)
    timer.unref()
    return timer
  }

  /** `peer` is leaving (still counted among the room's peers): with no editor left, the burst ends now. */
  left(room: Room, peer: Peer): void {
    const editorsLeft = room.editorCount - (peer.grant.role === 'view' ? 0 : 1)
    if (this.bursts.has(room) && editorsLeft === 0) void this.automatic(room)
  }

  /**
   * Record a version of what the room holds once it is stored, named or (null) automatic; an
   * automatic one with nothing new since the last version is skipped (undefined).
   */
  record(room: Room, name: string | null, user: ActivityUser): Promise<StoredVersion | undefined> {
    this.endBurst(room)
    const run = this.stored(room)
      .then(() => {
        // Deleted while its updates were being stored: a version now would land in whatever room
        // takes the name next.
        if (room.isDeleted) throw new RoomGone(`room ${room.name} was deleted before the version was recorded`)
        return this.history.recordVersion(room.name, name)
      })
      .then((version) => {
        if (version) this.note(room, { type: 'version', version: { id: version.id, name: version.name, at: new Date(version.at).toISOString() } }, user)
        return version
      })
    this.recording.add(run)
    let ofRoom = this.recordingOf.get(room.name)
    if (!ofRoom) this.recordingOf.set(room.name, (ofRoom = new Set()))
    ofRoom.add(run)
    void run
      .catch(() => {})
      .finally(() => {
        this.recording.delete(run)
        ofRoom.delete(run)
        if (ofRoom.size === 0 && this.recordingOf.get(room.name) === ofRoom) this.recordingOf.delete(room.name)
      })
    return run
  }

  /** The room is being deleted: its open burst records nothing. */
  forget(room: Room): void {
    this.endBurst(room)
  }

  /** Resolves once no recording of the room named `name` is in flight (a deletion waits for them). */
  async settled(name: string): Promise<void> {
    for (let running = this.recordingOf.get(name); running && running.size > 0; running = this.recordingOf.get(name)) {
      await Promise.allSettled(running)
    }
  }

  /**
   * Record the open bursts (shutdown, once the commit queue has stored all it could) and wait for
   * every recording; one whose room still holds unstored updates is given up, not waited for.
   */
  async close(): Promise<void> {
    this.closing = true
    for (const room of [...this.bursts.keys()]) void this.automatic(room)
    for (const refuse of this.waiting) refuse(new Error('updates left unstored at shutdown'))
    while (this.recording.size > 0) await Promise.allSettled(this.recording)
  }

  /** Resolves once everything applied to the room is stored. */
  private stored(room: Room): Promise<void> {
    if (room.isStored) return Promise.resolve()
    if (this.closing) return Promise.reject(new Error('updates left unstored at shutdown'))
    return new Promise<void>((resolve, reject) => {
      this.waiting.add(reject)
      room.whenStored(() => {
        this.waiting.delete(reject)
        resolve()
      })
    })
  }

  private async automatic(room: Room): Promise<void> {
    try {
      await this.record(room, null, null)
    } catch (error) {
      if (error instanceof RoomGone) return
      // Nothing is lost: the next burst's version covers these changes too.
      this.log.error({ room: room.name, err: error }, 'automatic version not recorded')
    }
  }

  private endBurst(room: Room): void {
    clearTimeout(this.bursts.get(room)?.quiet)
    this.bursts.delete(room)
  }
}
