/**
 * Activity in plain words: "Ada joined", "Ada typed 42 characters", "Bob deleted 3 characters",
 * "Bob left"; relative times ("just now", "3 min ago"); a stable colour for a user without one.
 * Pure functions, no DOM.
 */
import { colorForName } from '@cowrite/client'
import type { ActivityEvent, ActivityUser } from '@cowrite/protocol'

/** What the feed's kind filter distinguishes. */
export type ActivityKind = 'join' | 'leave' | 'edit'

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
  }
}

/** The whole sentence: "Ada typed 42 characters". */
export function describe(event: ActivityEvent): string {
  return `${userName(event.user)} ${describeAction(event)}`
}

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' })

/** "just now", "12 sec. ago", "3 min. ago", "2 hr. ago", "yesterday", then a date. */
export function relativeTime(at: Date | string, now: Date = new Date()): string {
  const then = typeof at === 'string' ? new Date(at) : at
  const seconds = Math.round((now.getTime() - then.getTime()) / 1000)
  if (Number.isNaN(seconds)) return ''
  if (seconds < 5) return 'just now'
  if (seconds < 60) return relative.format(-seconds, 'second')
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return relative.format(-minutes, 'minute')
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return relative.format(-hours, 'hour')
  const days = Math.floor(hours / 24)
  if (days < 7) return relative.format(-days, 'day')
  return then.toLocaleDateString('en', { day: 'numeric', month: 'short', year: then.getFullYear() === now.getFullYear() ? undefined : 'numeric' })
}

/** A size in characters for the overview: "0 chars", "1,204 chars", "12.3k chars". */
export function sizeLabel(length: number): string {
  if (length < 10_000) return `${length.toLocaleString('en')} char${length === 1 ? '' : 's'}`
  return `${(length / 1000).toFixed(length < 100_000 ? 1 : 0)}k chars`
}
