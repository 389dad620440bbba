/**
 * The seam between rooms and durable state. A room asks storage to `load` its updates once, and
 * the commit queue `append`s every update before any other client receives it. Implementations
 * live one per file beside this one; the room never knows which it talks to.
 */
import type { ActivityUser } from '@cowrite/protocol'
import type { ActivityLog } from './activity-log.js'
import type { HistoryStore } from './history.js'
import type { WebhookCursors } from './webhook-cursors.js'

/** One change to store: the document's update and who made it (kept in the room's history). */
export interface Change {
  update: Uint8Array
  author: ActivityUser
}

/** Changes of one room produced in one event-loop turn, with the room's text length and title after them. */
export interface RoomAppend {
  room: string
  changes: readonly Change[]
  length: number
  title: string | null
  /**
   * The room's whole state right after these changes, encoded on demand, when the caller holds
   * exactly that (a loaded room with nothing else unstored): a store may keep it as its snapshot
   * rather than merge the stored changes again.
   */
  state?: () => Uint8Array
}

/** What storage knows about a room without loading it. */
export interface StoredRoom {
  name: string
  length: number
  title: string | null
  /** Time of the last append, ms since the epoch. */
  updatedAt: number
}

export interface Storage {
  /** The activity log kept beside the documents. */
  readonly activity: ActivityLog
  /** Every change kept with its time and author, checkpoints to read any instant, and versions. */
  readonly history: HistoryStore
  /** How far each webhook URL has been delivered (the activity log is the outbox). */
  readonly webhooks: WebhookCursors
  /** Whether several instances may share this store (PostgreSQL): required by a shared fan-out. */
  readonly shared?: boolean
  /** Every stored update of the room, oldest first (a compacted snapshot counts as one); [] if new. */
  load(room: string): Promise<Uint8Array[]>
  /** Store all appends durably, as one transaction; resolves only once they are stored. */
  append(batch: readonly RoomAppend[]): Promise<void>
  /** Every stored room. */
  list(): Promise<StoredRoom[]>
  /** One stored room, or undefined if nothing was ever stored for it. */
  get(room: string): Promise<StoredRoom | undefined>
  /**
   * Remove everything of the room (its row, snapshot, log, changes, checkpoints and versions; not
   * its activity events) in one transaction, after any compaction or checkpoint of it running
   * here. Resolves true if anything was stored. The caller makes sure nothing appends meanwhile.
   */
  delete(room: string): Promise<boolean>
  /** Finish pending work and release the store. */
  close(): Promise<void>
}

/** A store that folds its logs into snapshots (SQLite, PostgreSQL), with the handles tests and tools use. */
export interface CompactingStorage extends Storage {
  /**
   * Fold a room's log into its snapshot now (normally done after an append passes a threshold);
   * resolves once the folded rows are replaced by the new snapshot (or, with several instances,
   * once it turns out another compacted the room first: then nothing is written).
   */
  compact(room: string): Promise<void>
  /** Resolves once no compaction of this instance is running; appends never wait for it. */
  compactionsSettled(): Promise<void>
}

/** Opening a store this server must not use: another schema version, or not a Cowrite store. */
export class SchemaError extends Error {
  override name = 'SchemaError'
}
