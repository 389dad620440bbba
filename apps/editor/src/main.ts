/**
 * The editor app's router. `/`: a browser that opened rooms before sees the start page (new
 * room, its recent rooms, the server's); a first visit goes straight to a new room, as the README
 * promises. `/r/<room>` opens that room. `?token=` is kept throughout.
 */
import { isValidRoomName } from '@cowrite/protocol'
import './style.css'
import { withToken } from './links.js'
import { recentRooms } from './recent-rooms.js'
import { mountRoomPage } from './room-page.js'
import { randomRoomName } from './room-names.js'
import { mountStartPage } from './start-page.js'

/** The sync server: this origin, or under `/sync` behind Vite's dev proxy (see vite.config.ts). */
const server = new URL(import.meta.env.DEV ? '/sync' : '/', location.href)
const root = document.getElementById('app')!
const path = location.pathname
const match = /^\/r\/([^/]+)\/?$/.exec(path)
const token = new URLSearchParams(location.search).get('token') ?? undefined

function notFound(message: string): void {
  document.title = 'Cowrite'
  const box = document.createElement('div')
  box.className = 'message'
  const text = document.createElement('p')
  text.textContent = message
  const link = document.createElement('a')
  link.href = withToken('/', token)
  link.className = 'button'
  link.textContent = 'Start a new room'
  box.append(text, link)
  root.replaceChildren(box)
}

if (path === '/' || path === '/index.html') {
  if (recentRooms().length > 0) mountStartPage(root, { server, token })
  else {
    const room = randomRoomName()
    history.replaceState(null, '', withToken(`/r/${room}`, token))
    mountRoomPage(root, { room, server, token })
  }
} else if (match) {
  let room: string
  try {
    room = decodeURIComponent(match[1]!)
  } catch {
    room = match[1]!
  }
  if (isValidRoomName(room)) mountRoomPage(root, { room, server, token })
  else notFound(`“${room}” is not a room name: use letters, digits, dots, dashes and underscores.`)
} else {
  notFound('There is nothing at this address.')
}
