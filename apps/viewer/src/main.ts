/**
 * The Cowrite viewer: `/viewer/` lists the rooms, `/viewer/<room>` follows one. Read-only, over
 * Server-Sent Events and plain GETs; `?token=` is passed on to every request when auth is on.
 */
import { isValidRoomName } from '@cowrite/protocol'
import { overviewPage } from './overview-page.js'
import { roomPage } from './room-page.js'
import './style.css'

const root = document.getElementById('app')!
const params = new URLSearchParams(location.search)
const context = { server: location.origin, token: params.get('token') ?? undefined }

const base = import.meta.env.BASE_URL
const rest = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : ''
let room: string
try {
  room = decodeURIComponent(rest.replace(/\/+$/, ''))
} catch {
  room = rest
}

if (room === '') overviewPage(root, context)
else if (isValidRoomName(room)) roomPage(root, context, room)
else {
  const message = document.createElement('main')
  message.className = 'overview'
  const title = document.createElement('h1')
  title.textContent = 'No such room'
  const text = document.createElement('p')
  text.textContent = `“${room}” is not a valid room name: letters, digits, ".", "_" and "-", starting with a letter or digit.`
  const link = document.createElement('a')
  link.href = `${base}${context.token ? `?token=${encodeURIComponent(context.token)}` : ''}`
  link.textContent = 'All rooms'
  message.append(title, text, link)
  root.replaceChildren(message)
}
