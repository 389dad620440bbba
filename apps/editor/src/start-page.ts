/**
 * The start page at `/` for a browser that has been here before: "New room" first, then the
 * rooms this browser opened (title, room name, when) and the rooms the server lists for this
 * page's token (`GET /api/rooms`; under auth only the rooms the token covers). A server that
 * refuses the list, or cannot be reached, just leaves its part out: the page is about getting
 * back to writing, not about the server. A first visit never sees this page (main.ts).
 */
import type { RoomSummary } from '@cowrite/protocol'
import { relativeTime } from '../../shared/relative-time.js'
import { element } from './dom.js'
import { roomHref, viewerHref, withToken } from './links.js'
import { forgetRoom, recentRooms, type RecentRoom } from './recent-rooms.js'
import { randomRoomName } from './room-names.js'

export interface StartPageOptions {
  /** The server's base URL, for `/api/rooms`. */
  server: URL
  /** The page's `?token=`, kept on every link and passed to the server's list. */
  token?: string
}

/** One room as a list item: its title (or name) as the link, the room name and when. */
function roomItem(room: string, title: string | null, at: number | null, token: string | undefined, extra?: string): HTMLLIElement {
  const item = element('li', 'room-item')
  item.dataset.room = room
  const link = element('a', 'room-link', title || room)
  link.href = roomHref(room, token)
  const details = element('span', 'room-details')
  // A room without a title is already named by its link.
  if (title) details.append(element('span', 'room-id', room))
  if (at !== null) {
    if (title) details.append(' · ')
    const when = element('time', '', relativeTime(new Date(at)))
    when.dateTime = new Date(at).toISOString()
    when.title = new Date(at).toLocaleString()
    details.append(when)
  }
  if (extra) details.append(`${details.childNodes.length > 0 ? ' · ' : ''}${extra}`)
  item.append(link, details)
  return item
}

async function fetchServerRooms(server: URL, token: string | undefined): Promise<RoomSummary[] | null> {
  try {
    const response = await fetch(new URL('api/rooms', server), {
      headers: { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      cache: 'no-store',
    })
    return response.ok ? ((await response.json()) as RoomSummary[]) : null
  } catch {
    return null
  }
}

export function mountStartPage(root: HTMLElement, options: StartPageOptions): void {
  const { token } = options
  document.title = 'Cowrite'

  const header = element('header', 'topbar')
  const brand = element('a', 'brand', 'Cowrite')
  brand.href = withToken('/', token)
  const viewer = element('a', 'button', 'Viewer')
  viewer.href = viewerHref(undefined, token)
  viewer.title = 'Every room’s activity, live'
  const actions = element('div', 'actions')
  actions.append(viewer)
  header.append(brand, actions)

  const main = element('main', 'start')
  const heading = element('h1', 'start-title', 'Write together')
  const newRoom = element('a', 'button primary new-room', 'New room')
  newRoom.href = roomHref(randomRoomName(), token)

  const recent = element('section', 'room-list recent')
  recent.setAttribute('aria-labelledby', 'recent-heading')
  const recentHeading = element('h2', '', 'Recent in this browser')
  recentHeading.id = 'recent-heading'
  const recentList = element('ul', 'rooms')
  recent.append(recentHeading, recentList)

  const serverRooms = element('section', 'room-list on-server')
  serverRooms.setAttribute('aria-labelledby', 'server-heading')
  serverRooms.hidden = true
  const serverHeading = element('h2', '', 'On this server')
  serverHeading.id = 'server-heading'
  const serverList = element('ul', 'rooms')
  serverRooms.append(serverHeading, serverList)

  main.append(heading, newRoom, recent, serverRooms)
  root.replaceChildren(header, main)

  const renderRecent = (rooms: RecentRoom[]) => {
    recentList.replaceChildren(
      ...rooms.map((entry) => {
        const item = roomItem(entry.room, entry.title, entry.at, entry.token ?? token)
        const forget = element('button', 'forget', '×')
        forget.type = 'button'
        forget.setAttribute('aria-label', `Forget ${entry.title || entry.room} in this browser`)
        forget.title = 'Forget in this browser (the room stays on the server)'
        forget.addEventListener('click', () => {
          forgetRoom(entry.room)
          renderRecent(recentRooms())
        })
        item.append(forget)
        return item
      }),
    )
    recent.hidden = rooms.length === 0
  }
  renderRecent(recentRooms())

  void fetchServerRooms(options.server, token).then((rooms) => {
    if (!rooms || rooms.length === 0) return
    const sorted = [...rooms].sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? '') || a.name.localeCompare(b.name))
    serverList.replaceChildren(
      ...sorted.map((room) =>
        roomItem(room.name, room.title ?? null, room.updatedAt ? Date.parse(room.updatedAt) : null, token, room.connections > 0 ? `${room.connections} here now` : undefined),
      ),
    )
    serverRooms.hidden = false
  })
}
