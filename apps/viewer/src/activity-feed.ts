/**
 * The activity feed: stored events in plain words, newest on top, with the user's colour and a
 * relative time, filterable by user and by kind. A person's edits are one line per editing session
 * ("Ada edited for 3 min, +156 −12", edit-sessions.ts), updated in place as the session goes on;
 * every other event is a line of its own, and so are notices (a reset of the log, a gap). Each line
 * carries the ids of its events (`data-ids`, and the newest as `data-id`), so what is shown can be
 * checked against the stored log.
 */
import type { ActivityEvent, EditEvent } from '@cowrite/protocol'
import { actor, describe, describeAction, kindOf, relativeTime, userColor, userName, type ActivityKind } from './describe.js'
import { continues, describeSession, extend, startSession, type EditSession } from './edit-sessions.js'

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
  /** Each person's open editing session and its line. */
  const sessions = new Map<string, { session: EditSession; line: HTMLElement }>()

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

  /** Show `session` in `line`: the sentence, the ids, the time of its latest edit. */
  const renderSession = (line: HTMLElement, session: EditSession, color: string) => {
    const last = session.events[session.events.length - 1]!
    line.dataset.id = String(last.id)
    line.dataset.ids = session.events.map((event) => event.id).join(' ')
    const who = document.createElement('strong')
    who.textContent = session.name
    who.style.color = color
    const text = line.querySelector('.text')!
    text.replaceChildren(who, ` ${describeSession(session)}`)
    line.title = `#${session.events[0]!.id}${session.events.length > 1 ? `–#${last.id}` : ''} · the document had ${last.length.toLocaleString('en')} characters after it`
    line.querySelector('time')!.replaceWith(time(last.at))
  }

  /** An edit: into its person's open session when it continues it, else a new session line. */
  const addEdit = (event: EditEvent, line: HTMLElement, color: string): boolean => {
    const open = sessions.get(line.dataset.user!)
    if (open && open.line.isConnected && continues(open.session, event)) {
      open.session = extend(open.session, event)
      renderSession(open.line, open.session, color)
      return false
    }
    const session = startSession(event)
    sessions.set(session.name, { session, line })
    renderSession(line, session, color)
    return true
  }

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
      line.dataset.ids = String(event.id)
      line.title = `#${event.id}`
      line.append(dot, text, time(event.at))
      // Joining again or leaving ends a session: the next edit starts a new line.
      if (event.type === 'join' || event.type === 'leave') sessions.delete(name)
      if (event.type === 'edit' && !addEdit(event, line, color)) return
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
