/**
 * Defaults of the contract that more than one package relies on.
 */

/** Activity events kept by a store (the oldest are dropped), `--activity-retention`. */
export const DEFAULT_ACTIVITY_RETENTION = 100_000

/** Events a stream starts with when it resumes from nothing (`?tail=`). */
export const DEFAULT_ACTIVITY_TAIL = 50
