/**
 * Relative times in plain words for both apps ("just now", "3 min. ago"): the viewer's feed and
 * the editor's start page say "when" the same way.
 */

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
