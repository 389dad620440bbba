/**
 * Who someone is, as every part of Cowrite reads it: the `user` field of an awareness state
 * (y-codemirror.next's convention, `{ name, color, colorLight? }`) or a token's `name`. Names and
 * colours come from clients, so they are capped here, where they enter, and the server's activity
 * events, its REST answers and the apps all show the same thing.
 */
import type { ActivityUser } from './activity.js'

/** Longest user name kept, in characters (code points); longer ones are cut. */
export const MAX_USER_NAME_LENGTH = 64

/** A CSS colour as the apps set it: hex, a named colour, or rgb()/hsl(). Anything else is dropped. */
const COLOR = /^(?:#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|(?:rgb|hsl)a?\([0-9.,%\s/]{1,40}\))$/

/** Control characters never belong in a name shown to others. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g

/** `name` without control characters, trimmed and cut to `MAX_USER_NAME_LENGTH` characters. */
export function capUserName(name: string): string {
  // Cut first (cheap on a huge name), then clean what is left.
  const head = name.length > MAX_USER_NAME_LENGTH * 2 ? name.slice(0, MAX_USER_NAME_LENGTH * 2) : name
  return Array.from(head.replace(CONTROL, '').trim()).slice(0, MAX_USER_NAME_LENGTH).join('').trim()
}

/** `color` if it is a CSS colour of the accepted forms, else null. */
export function readUserColor(color: unknown): string | null {
  return typeof color === 'string' && COLOR.test(color) ? color : null
}

/**
 * The user of an awareness state: `{ name, color }` with the name capped and the colour checked,
 * or null when the state has no usable `user.name`.
 */
export function readAwarenessUser(state: unknown): ActivityUser {
  const user = (state as { user?: { name?: unknown; color?: unknown } } | null | undefined)?.user
  if (typeof user !== 'object' || user === null || typeof user.name !== 'string') return null
  const name = capUserName(user.name)
  if (name === '') return null
  return { name, color: readUserColor(user.color) }
}
