/**
 * This browser's recent rooms, kept in localStorage: the room, its title as last seen, when it
 * was last open here, and the token it was opened with (a link without it would be refused under
 * auth). Storage may be refused (privacy modes): then there are no recent rooms, and `/` simply
 * makes a new room.
 */

export interface RecentRoom {
  room: string
  /** The document's title when last seen; null when it had none. */
  title: string | null
  /** When it was last open in this browser (ms since the epoch). */
  at: number
  token?: string
}

const KEY = 'cowrite.recent'
/** Rooms remembered; the oldest is forgotten first. */
const MAX_ROOMS = 30

function isRecent(value: unknown): value is RecentRoom {
  const entry = value as Partial<RecentRoom> | null
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.room === 'string' &&
    typeof entry.at === 'number' &&
    (entry.title === null || typeof entry.title === 'string') &&
    (entry.token === undefined || typeof entry.token === 'string')
  )
}

/** The remembered rooms, most recently open first. */
export function recentRooms(): RecentRoom[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(KEY) ?? '[]')
    return Array.isArray(parsed) ? parsed.filter(isRecent).sort((a, b) => b.at - a.at) : []
  } catch {
    return []
  }
}

function save(rooms: RecentRoom[]): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(rooms.slice(0, MAX_ROOMS)))
  } catch {
    // Storage refused: nothing is remembered, which only costs the start page its list.
  }
}

/**
 * Remember that `room` is open now, with `token` (or, without one, the token it had), and its
 * title when given (else the one last seen).
 */
export function rememberRoom(room: string, changes: { token?: string; title?: string | null }): void {
  const rooms = recentRooms()
  const previous = rooms.find((entry) => entry.room === room)
  const token = changes.token ?? previous?.token
  const entry: RecentRoom = { room, title: changes.title !== undefined ? changes.title : (previous?.title ?? null), at: Date.now(), ...(token ? { token } : {}) }
  save([entry, ...rooms.filter((other) => other.room !== room)])
}

/** Forget `room` in this browser (the room itself stays on the server). */
export function forgetRoom(room: string): void {
  save(recentRooms().filter((entry) => entry.room !== room))
}
