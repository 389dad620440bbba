/**
 * The origin of a change made over HTTP (a restore, a REST write) rather than by a peer: who
 * made it, for the history and the activity, and what reports it once it is stored. A room relays
 * such a change to every peer (none of them sent it) and, instead of an `edit` event, calls
 * `stored` with the characters it inserted and deleted. A change withdrawn before it was stored
 * (its room was deleted meanwhile) calls `dropped` instead.
 */
import type { ActivityUser } from '@cowrite/protocol'

export class Writer {
  constructor(
    readonly user: ActivityUser,
    readonly stored: (inserted: number, deleted: number) => void,
    readonly dropped: () => void = () => {},
  ) {}
}
