/**
 * Pleasant, distinguishable user colours: saturated enough for a caret and a name label with
 * white text, each with a translucent light variant for selections; and the colour shown for a
 * user who announced none.
 */
import type { UserInfo } from './connect-room.js'

/**
 * Caret colours: each carries white label text at 4.5:1 or more (WCAG AA), and stands out at 3:1
 * or more (non-text) against the dark editor background.
 */
export const USER_COLORS: readonly string[] = [
  '#e1292f', // red
  '#c34e07', // orange
  '#9b6b08', // amber
  '#278457', // green
  '#0e8073', // teal
  '#0076d1', // blue
  '#3e63dd', // indigo
  '#8e4ec6', // purple
  '#d02d94', // pink
  '#7d6b5d', // brown
]

/** The selection colour for a caret colour: the same hue at 20 % opacity. */
export function lightColor(color: string): string {
  return /^#[0-9a-f]{6}$/i.test(color) ? `${color}33` : color
}

/** A user with `name` and a colour picked by `random` (like Math.random). */
export function makeUser(name: string, random: () => number = Math.random): UserInfo {
  const color = USER_COLORS[Math.floor(random() * USER_COLORS.length)] ?? USER_COLORS[0]!
  return { name, color, colorLight: lightColor(color) }
}

/** The colour of a user who announced none, picked from `name` so every tab and app shows the same one. */
export function colorForName(name: string): string {
  let hash = 0
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0
  return USER_COLORS[hash % USER_COLORS.length]!
}
