/**
 * The editor app's router: `/` makes a new room and goes to it; `/r/<room>` opens that room.
 */
import { isValidRoomName } from '@cowrite/protocol'
import './style.css'
import { mountRoomPage } from './room-page.js'
import { randomRoomName } from './room-names.js'

/** The sync server: this origin, or under `/sync` behind Vite's dev proxy (see vite.config.ts). */
const server = new URL(import.meta.env.DEV ? '/sync' : '/', location.href)
const root = document.getElementById('app')!

function notFound(message: string): void {
  document.title = 'Cowrite'
  const box = document.createElement('div')
  box.className = 'message'
  const text = document.createElement('p')
  text.textContent = message
  const link = document.createElement('a')
  link.href = '/'
  link.className = 'button'
  link.textContent = 'Start a new room'
  box.append(text, link)
  root.replaceChildren(box)
}

const path = location.pathname
const match = /^\/r\/([^/]+)\/?$/.exec(path)
const token = new URLSearchParams(location.search).get('token') ?? undefined

if (path === '/' || path === '/index.html') {
  const room = randomRoomName()
  history.replaceState(null, '', `/r/${room}`)
  mountRoomPage(root, { room, server })
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
