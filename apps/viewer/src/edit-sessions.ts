/**
 * Editing sessions: one person's edit events with no pause longer than two minutes between them
 * read as one line, "Ada edited for 3 min, +156 −12", instead of one line per second of typing.
 * A session ends when its person pauses longer, joins again or leaves. Pure functions, no DOM.
 */
import type { EditEvent } from '@cowrite/protocol'
import { describeAction, userName } from './describe.js'

/** The longest pause inside one session. */
export const SESSION_GAP_MS = 2 * 60_000

export interface EditSession {
  /** Who edited, as the feed names them. */
  readonly name: string
  /** The session's edit events, oldest first. */
  readonly events: readonly EditEvent[]
  readonly inserted: number
  readonly deleted: number
}

export function startSession(event: EditEvent): EditSession {
  return { name: userName(event.user), events: [event], inserted: event.inserted, deleted: event.deleted }
}

/** Whether `event` continues `session`: the same person, after a pause no longer than the gap. */
export function continues(session: EditSession, event: EditEvent): boolean {
  const last = session.events[session.events.length - 1]!
  const pause = Date.parse(event.at) - Date.parse(last.at)
  return userName(event.user) === session.name && pause >= 0 && pause <= SESSION_GAP_MS
}

export function extend(session: EditSession, event: EditEvent): EditSession {
  return { ...session, events: [...session.events, event], inserted: session.inserted + event.inserted, deleted: session.deleted + event.deleted }
}

/** "12 s", "3 min", "1 h 5 min". */
export function durationLabel(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000))
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`
}

/** What the person did, without the name: one event in its own words, several as a session. */
export function describeSession(session: EditSession): string {
  const [first] = session.events
  if (session.events.length === 1) return describeAction(first!)
  const last = session.events[session.events.length - 1]!
  const span = Date.parse(last.at) - Date.parse(first!.at)
  return `edited for ${durationLabel(span)}, +${session.inserted.toLocaleString('en')} −${session.deleted.toLocaleString('en')}`
}
