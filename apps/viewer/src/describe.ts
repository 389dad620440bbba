/**
 * Activity in plain words: "Ada joined", "Ada typed 42 characters", "Bob deleted 3 characters",
 * "Bob left"; relative times ("just now", "3 min ago"); a stable colour for a user without one.
 * Pure functions, no DOM.
 */
import { colorForName } from '@cowrite/client'
import type { ActivityEvent, ActivityUser } from '@cowrite/protocol'

/** What the feed's kind filter distinguishes (a restore or a deletion counts as an edit). */
export type ActivityKind = 'join' | 'leave' | 'edit' | 'version'

/** The filter kind of `event`. */
export function kindOf(event: ActivityEvent): ActivityKind {
  return event.type === 'restore' || event.type === 'deleted' ? 'edit' : event.type
}

/** The name shown for a user; events of a client that never said who it is read "Someone". */
export function userName(user: ActivityUser): string {
  return user?.name || 'Someone'
}

/** The user's own colour, else the one the client picks from the name, so it stays the same everywhere. */
export function userColor(user: ActivityUser): string {
  return user?.color || colorForName(userName(user))
}

function characters(n: number): string {
  return `${n.toLocaleString('en')} character${n === 1 ? '' : 's'}`
}

/** What the user did, without the name: "joined", "typed 42 characters", "deleted 3 characters". */
export function describeAction(event: ActivityEvent): string {
  switch (event.type) {
    case 'join':
      return 'joined'
    case 'leave':
      return 'left'
    case 'edit':
      if (event.inserted > 0 && event.deleted > 0) return `typed ${characters(event.inserted)} and deleted ${characters(event.deleted)}`
      if (event.deleted > 0) return `deleted ${characters(event.deleted)}`
      return `typed ${characters(event.inserted)}`
    case 'version':
      return event.version.name ? `saved the version “${event.version.name}”` : `saved version ${event.version.id}`
    case 'restore':
      return `restored version ${event.version}`
    case 'deleted':
      return 'deleted the room and its history'
  }
}

/** Who did it, for the sentence: nobody for a version recorded by itself (after a burst of editing). */
export function actor(event: ActivityEvent): string | null {
  return event.type === 'version' && event.user === null ? null : userName(event.user)
}

/** The whole sentence: "Ada typed 42 characters", "Version 3 saved". */
export function describe(event: ActivityEvent): string {
  const who = actor(event)
  if (who !== null) return `${who} ${describeAction(event)}`
  return event.type === 'version' ? `Version ${event.version.id} saved` : describeAction(event)
}

export { relativeTime } from '../../shared/relative-time.js'

/** A size in characters for the overview: "0 chars", "1,204 chars", "12.3k chars". */
export function sizeLabel(length: number): string {
  if (length < 10_000) return `${length.toLocaleString('en')} char${length === 1 ? '' : 's'}`
  return `${(length / 1000).toFixed(length < 100_000 ? 1 : 0)}k chars`
}
