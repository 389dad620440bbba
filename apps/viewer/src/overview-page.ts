/**
 * Every room: live connections, size and last activity, newest activity first. The list starts
 * from `GET /api/rooms` and is kept current by one all-rooms activity stream: edits update a
 * room's size and time at once; joins and leaves reload that room's numbers (the server's count
 * is the truth; the log only says that something changed); after every reconnection the whole
 * list is reloaded, since anything may have happened meanwhile.
 */
import { followActivity } from '@cowrite/client'
import type { ActivityEvent, RoomSummary } from '@cowrite/protocol'
import { ApiError, fetchRoom, fetchRooms, startHref, UNREACHABLE, viewerHref, type ViewerContext } from './api.js'
import { connectionBadge } from './connection-badge.js'
import { describe, relativeTime, sizeLabel, userColor } from './describe.js'

interface RoomRow extends RoomSummary {
  /** Time of the newest thing known to have happened: an event, or the last document change. */
  lastAt: number
  last: ActivityEvent | undefined
}

export function overviewPage(root: HTMLElement, context: ViewerContext): void {
  document.title = 'Rooms · Cowrite viewer'
  const badge = connectionBadge()
  const header = document.createElement('header')
  header.className = 'top'
  const title = document.createElement('h1')
  title.textContent = 'Rooms'
  const count = document.createElement('span')
  count.className = 'muted meta'
  const spacer = document.createElement('span')
  spacer.className = 'spacer'
  const brand = document.createElement('a')
  brand.className = 'brand'
  brand.href = startHref(context)
  brand.textContent = 'Cowrite'
  brand.title = 'Your rooms in the editor, and a new one'
  header.append(brand, title, count, spacer, badge.element)

  const table = document.createElement('table')
  table.className = 'rooms panel'
  table.innerHTML = '<thead><tr><th scope="col">Room</th><th scope="col" class="num">Connected</th><th scope="col" class="num">Size</th><th scope="col">Last activity</th></tr></thead>'
  const body = document.createElement('tbody')
  table.append(body)
  const status = document.createElement('p')
  status.className = 'muted empty'
  status.textContent = 'Loading rooms…'
  const main = document.createElement('main')
  main.className = 'overview'
  main.append(table, status)
  root.replaceChildren(header, main)

  const rooms = new Map<string, RoomRow>()
  let scheduled = false

  const row = (summary: RoomSummary, previous?: RoomRow): RoomRow => ({
    ...summary,
    lastAt: Math.max(summary.updatedAt ? Date.parse(summary.updatedAt) : 0, previous?.lastAt ?? 0),
    last: previous?.last,
  })

  const render = () => {
    scheduled = false
    const sorted = [...rooms.values()].sort((a, b) => b.lastAt - a.lastAt || a.name.localeCompare(b.name))
    const now = new Date()
    body.replaceChildren(
      ...sorted.map((room) => {
        const tr = document.createElement('tr')
        tr.dataset.room = room.name
        const name = document.createElement('td')
        const link = document.createElement('a')
        link.href = viewerHref(context, room.name)
        // A room's title when it has one (a server without titles sends none), its name under it.
        const documentTitle = room.title ?? null
        link.textContent = documentTitle ?? room.name
        name.append(link)
        if (documentTitle !== null) {
          const id = document.createElement('span')
          id.className = 'room-id'
          id.textContent = room.name
          name.append(id)
        }
        const connections = document.createElement('td')
        connections.className = 'num connections'
        connections.dataset.count = String(room.connections)
        connections.innerHTML = room.connections > 0 ? '<span class="live-dot" aria-hidden="true"></span>' : ''
        connections.append(String(room.connections))
        const size = document.createElement('td')
        size.className = 'num'
        size.textContent = sizeLabel(room.length)
        const last = document.createElement('td')
        last.className = 'last'
        if (room.last) {
          const what = document.createElement('span')
          what.textContent = describe(room.last)
          what.style.setProperty('--user', userColor(room.last.user))
          what.className = 'what'
          last.append(what, ' · ')
        }
        const time = document.createElement('time')
        if (room.lastAt > 0) {
          time.dateTime = new Date(room.lastAt).toISOString()
          time.title = new Date(room.lastAt).toLocaleString()
          time.textContent = relativeTime(new Date(room.lastAt), now)
        } else time.textContent = 'never'
        last.append(time)
        tr.append(name, connections, size, last)
        return tr
      }),
    )
    const connected = sorted.reduce((sum, room) => sum + room.connections, 0)
    count.textContent = `${sorted.length} room${sorted.length === 1 ? '' : 's'} · ${connected} connected`
    status.hidden = sorted.length > 0
    if (sorted.length === 0) status.textContent = 'No rooms yet. Rooms appear here as soon as someone opens one.'
  }
  const schedule = () => {
    if (scheduled) return
    scheduled = true
    requestAnimationFrame(render)
  }
  setInterval(schedule, 10_000)

  let retry: ReturnType<typeof setTimeout> | undefined
  const reloadAll = async () => {
    try {
      const list = await fetchRooms(context)
      const seen = new Set(list.map((room) => room.name))
      for (const name of rooms.keys()) if (!seen.has(name)) rooms.delete(name)
      for (const summary of list) rooms.set(summary.name, row(summary, rooms.get(summary.name)))
    } catch (error) {
      status.hidden = false
      if (error instanceof ApiError && error.status === 0) {
        status.textContent = `${UNREACHABLE}…`
        clearTimeout(retry)
        retry = setTimeout(() => void reloadAll(), 5000)
      } else if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        // A refusal is final for this page: stop the stream, which would retry it forever.
        follower.close()
        badge.deny(error.message)
        status.textContent = `Access denied: ${error.message}`
      } else status.textContent = `Could not load the rooms: ${(error as Error).message}`
      return
    }
    schedule()
  }

  const pending = new Map<string, ReturnType<typeof setTimeout>>()
  const reloadRoom = (name: string) => {
    clearTimeout(pending.get(name))
    pending.set(
      name,
      setTimeout(() => {
        pending.delete(name)
        fetchRoom(context, name).then(
          (info) => {
            rooms.set(name, row(info, rooms.get(name)))
            schedule()
          },
          () => undefined, // The next event or reconnection tries again.
        )
      }, 50),
    )
  }

  const follower = followActivity(
    context.server,
    undefined,
    {
      activity: (event) => {
        const unknown = { name: event.room, connections: 0, length: 0, updatedAt: null, title: null }
        const known = rooms.get(event.room) ?? row(unknown)
        known.lastAt = Math.max(known.lastAt, Date.parse(event.at))
        known.last = event
        if (event.type === 'edit') known.length = event.length
        rooms.set(event.room, known)
        if (event.type !== 'edit') reloadRoom(event.room)
        schedule()
      },
      state: (state) => {
        badge.show(state)
        if (state.status === 'live') void reloadAll()
      },
    },
    // Only what happens from now on: the list itself comes from GET /api/rooms.
    { token: context.token, tail: 0 },
  )
  void reloadAll()
}
