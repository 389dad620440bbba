/**
 * The activity feed: one line per stored event in plain words ("Ada typed 42 characters"),
 * newest on top, with the user's colour and a relative time, filterable by user and by kind.
 * Notices (a reset of the log, a reconnection's gap) are lines of their own. Each event's line
 * carries its id (`data-id`), so what is shown can be checked against the stored log.
 */
import type { ActivityEvent } from '@cowrite/protocol'
import { actor, describe, describeAction, kindOf, relativeTime, userColor, userName, type ActivityKind } from './describe.js'

/** Lines kept in the page; older ones are dropped from the bottom (the log keeps them). */
const MAX_LINES = 2000

const KINDS: Array<{ kind: ActivityKind; label: string }> = [
  { kind: 'edit', label: 'Edits' },
  { kind: 'join', label: 'Joins' },
  { kind: 'leave', label: 'Leaves' },
  { kind: 'version', label: 'Versions' },
]

export interface ActivityFeed {
  readonly element: HTMLElement
  add(event: ActivityEvent): void
  /** A line that is not an event: a reset, a gap. */
  notice(text: string, tone?: 'info' | 'warn'): void
}

export function activityFeed(): ActivityFeed {
  const element = document.createElement('section')
  element.className = 'feed'
  element.setAttribute('aria-label', 'Activity')

  const heading = document.createElement('h2')
  heading.textContent = 'Activity'
  const filters = document.createElement('div')
  filters.className = 'filters'
  const userSelect = document.createElement('select')
  userSelect.id = 'user-filter'
  userSelect.setAttribute('aria-label', 'Show activity of')
  userSelect.append(new Option('Everyone', ''))
  filters.append(userSelect)
  const shownKinds = new Set<ActivityKind>(KINDS.map(({ kind }) => kind))
  for (const { kind, label } of KINDS) {
    const chip = document.createElement('label')
    chip.className = 'chip'
    const box = document.createElement('input')
    box.type = 'checkbox'
    box.checked = true
    box.dataset.kind = kind
    box.addEventListener('change', () => {
      if (box.checked) shownKinds.add(kind)
      else shownKinds.delete(kind)
      applyFilter()
    })
    chip.append(box, label)
    filters.append(chip)
  }
  const list = document.createElement('ol')
  list.className = 'events'
  list.reversed = true
  const empty = document.createElement('p')
  empty.className = 'muted empty'
  empty.textContent = 'No activity yet. It appears here as it happens.'
  const header = document.createElement('header')
  header.className = 'section-head'
  header.append(heading, filters)
  element.append(header, empty, list)

  const users = new Set<string>()

  const visible = (line: HTMLElement) => {
    if (line.dataset.kind === undefined) return userSelect.value === '' // notices only under "Everyone"
    return shownKinds.has(line.dataset.kind as ActivityKind) && (userSelect.value === '' || line.dataset.user === userSelect.value)
  }
  const applyFilter = () => {
    for (const line of list.children as HTMLCollectionOf<HTMLElement>) line.hidden = !visible(line)
  }
  userSelect.addEventListener('change', applyFilter)

  const prepend = (line: HTMLElement) => {
    line.hidden = !visible(line)
    list.prepend(line)
    empty.hidden = true
    while (list.children.length > MAX_LINES) list.lastElementChild!.remove()
  }

  const time = (at: string) => {
    const element = document.createElement('time')
    element.dateTime = at
    element.title = new Date(at).toLocaleString()
    element.textContent = relativeTime(at)
    return element
  }

  // Relative times age: "just now" becomes "1 min. ago".
  setInterval(() => {
    const now = new Date()
    for (const element of list.querySelectorAll('time')) element.textContent = relativeTime(element.dateTime, now)
  }, 10_000)

  return {
    element,
    add(event) {
      const name = userName(event.user)
      if (!users.has(name)) {
        users.add(name)
        userSelect.append(new Option(name, name))
      }
      const line = document.createElement('li')
      line.className = `event event-${event.type}`
      line.dataset.id = String(event.id)
      line.dataset.kind = kindOf(event)
      line.dataset.user = name
      const color = userColor(event.user)
      line.style.setProperty('--user', color)
      const dot = document.createElement('span')
      dot.className = 'dot'
      const text = document.createElement('span')
      text.className = 'text'
      if (actor(event) === null) text.append(describe(event))
      else {
        const who = document.createElement('strong')
        who.textContent = name
        who.style.color = color
        text.append(who, ` ${describeAction(event)}`)
      }
      if (event.type === 'edit') line.title = `#${event.id} · the document had ${event.length.toLocaleString('en')} characters after it`
      else line.title = `#${event.id}`
      line.append(dot, text, time(event.at))
      prepend(line)
    },
    notice(message, tone = 'info') {
      const line = document.createElement('li')
      line.className = `notice notice-${tone}`
      const text = document.createElement('span')
      text.className = 'text'
      text.textContent = message
      line.append(text, time(new Date().toISOString()))
      prepend(line)
    },
  }
}
