/**
 * A room's history as every store keeps it, beside the fast load path (snapshot + short log):
 *
 * - every stored change, append-only and never compacted, with the time it was stored and its
 *   author;
 * - checkpoints: the state after some change, so that reading any instant replays one checkpoint
 *   and the changes after it, never the whole history;
 * - versions: named or automatic points in that history (rooms/version-recorder.ts decides when).
 *
 * A checkpoint is written once the changes since the last one weigh at least as much as it does
 * (and at least CHECKPOINT_MIN_BYTES): all checkpoints together then weigh no more than the
 * changes, so history grows with the edits, not with edits × document size, and a read replays
 * at most about one checkpoint's worth of bytes.
 */
import type { ActivityUser, Version } from '@cowrite/protocol'
import type { Change } from './storage.js'

/** Bytes of changes after which a room's first checkpoint is written (and the least between two). */
export const CHECKPOINT_MIN_BYTES = 64 * 1024

/** A version as stored: the public fields plus the last change it includes. */
export interface StoredVersion {
  id: number
  /** Id of the room's last change at this version. */
  upto: number
  /** ms since the epoch. */
  at: number
  name: string | null
  authors: Array<NonNullable<ActivityUser>>
  length: number
}

export interface HistoryStore {
  /**
   * Updates that, applied in order to an empty doc, give the room's state right after its change
   * `upto` (a checkpoint, then the changes after it up to `upto`); [] for 0.
   */
  stateAt(room: string, upto: number): Promise<Uint8Array[]>
  /** The room's changes with ids in (`after`, `upto`], oldest first, with their authors. */
  changesBetween(room: string, after: number, upto: number): Promise<Change[]>
  /** Id of the room's last change stored at or before `at` (ms since the epoch); 0 if none. */
  changeAt(room: string, at: number): Promise<number>
  /**
   * Record the room's current state as a version, in one transaction with reading it. An automatic
   * one (`name` null) is not recorded when no change was stored since the previous version: then
   * undefined. Its authors are those of the changes since the previous version.
   */
  recordVersion(room: string, name: string | null): Promise<StoredVersion | undefined>
  /** The room's versions, newest first. */
  versions(room: string): Promise<StoredVersion[]>
  version(room: string, id: number): Promise<StoredVersion | undefined>
  /** Write a checkpoint of the room now, if it has changes after its last one (tests, tools). */
  checkpoint(room: string): Promise<void>
}

/** Whether the changes stored since a room's last checkpoint call for a new one. */
export function needsCheckpoint(bytesSince: number, lastCheckpointBytes: number): boolean {
  return bytesSince >= Math.max(CHECKPOINT_MIN_BYTES, lastCheckpointBytes)
}

/**
 * The authors of a run of changes, each once (by name, with the colour they used last), in the
 * order they first appear; changes by nobody known are left out.
 */
export function distinctAuthors(changes: Iterable<{ name: string | null; color: string | null }>): Array<NonNullable<ActivityUser>> {
  const byName = new Map<string, string | null>()
  for (const { name, color } of changes) {
    if (name !== null) byName.set(name, color)
  }
  return [...byName].map(([name, color]) => ({ name, color }))
}

/** A stored version as the API answers it. */
export function publicVersion(version: StoredVersion): Version {
  return { id: version.id, at: new Date(version.at).toISOString(), name: version.name, authors: version.authors, length: version.length }
}

/**
 * A clock that never goes back within the process, so each room's change times rise with their
 * ids and "the last change at or before T" is one index lookup.
 */
export function monotonicClock(): () => number {
  let last = 0
  return () => (last = Math.max(last, Date.now()))
}
