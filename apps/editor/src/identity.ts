/**
 * Who this browser is: a display name and a colour, remembered in localStorage so a person keeps
 * them across rooms and reloads. Storage may be unavailable (privacy modes): then they last for
 * the page only.
 */
import { lightColor, makeUser, USER_COLORS, type UserInfo } from '@cowrite/client'
import { randomDisplayName } from './room-names.js'

const KEY = 'cowrite.user'
const MAX_NAME = 40

function read(): Partial<UserInfo> {
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<UserInfo>
    return typeof parsed === 'object' && parsed !== null ? parsed : {}
  } catch {
    return {}
  }
}

/** The remembered user, or a new one (which is remembered at once). */
export function loadUser(): UserInfo {
  const stored = read()
  const name = typeof stored.name === 'string' && stored.name.trim() ? stored.name.trim().slice(0, MAX_NAME) : undefined
  const color = typeof stored.color === 'string' && USER_COLORS.includes(stored.color) ? stored.color : undefined
  const user = name && color ? { name, color, colorLight: lightColor(color) } : { ...makeUser(name ?? randomDisplayName()), ...(color ? { color, colorLight: lightColor(color) } : {}) }
  saveUser(user)
  return user
}

export function saveUser(user: UserInfo): void {
  try {
    localStorage.setItem(KEY, JSON.stringify({ name: user.name, color: user.color }))
  } catch {
    // Storage refused (quota, privacy mode): the name still holds for this page.
  }
}

/** Remember `color` alone, keeping the remembered name (when a token fixes the name shown). */
export function saveColor(color: string): void {
  const stored = read()
  saveUser({ name: typeof stored.name === 'string' ? stored.name : '', color })
}

/** `name` cleaned for display: trimmed, bounded; undefined if nothing is left. */
export function cleanName(name: string): string | undefined {
  const trimmed = name.replace(/\s+/g, ' ').trim().slice(0, MAX_NAME)
  return trimmed || undefined
}

/** The next colour in the palette after `color`. */
export function nextColor(color: string): string {
  const index = USER_COLORS.indexOf(color)
  return USER_COLORS[(index + 1) % USER_COLORS.length]!
}
