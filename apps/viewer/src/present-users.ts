/**
 * Who is in the room now: the users `GET /api/rooms/<room>` reports, reloaded (coalesced) after
 * each join and leave and after every reconnection.
 */
import type { RoomInfo } from '@cowrite/protocol'
import { ApiError, fetchRoom, UNREACHABLE, type ViewerContext } from './api.js'

/** How soon to ask again after the server could not be reached. */
const RETRY_MS = 5000
import { userColor } from './describe.js'

export interface PresentUsers {
  readonly element: HTMLElement
  /** Reload soon; calls within the same moment share one request. */
  refresh(): void
  /** The latest room info, for the header. */
  onInfo(listener: (info: RoomInfo | null) => void): void
}

/**
 * `onDenied` hears a 401 or 403: the page's token is missing, expired, invalid or for another
 * room. A server that cannot be reached is asked again every few seconds.
 */
export function presentUsers(context: ViewerContext, room: string, onDenied?: (error: ApiError) => void): PresentUsers {
  const element = document.createElement('section')
  element.className = 'present'
  element.setAttribute('aria-label', 'Who is here now')
  const listeners: Array<(info: RoomInfo | null) => void> = []
  let timer: ReturnType<typeof setTimeout> | undefined
  let inFlight = false
  let again = false

  const render = (info: RoomInfo | null, error?: string) => {
    const heading = document.createElement('h2')
    heading.textContent = 'Here now'
    const list = document.createElement('ul')
    list.className = 'people'
    const users = info?.users ?? []
    for (const user of users) {
      const item = document.createElement('li')
      item.className = 'person'
      item.dataset.name = user.name
      const dot = document.createElement('span')
      dot.className = 'avatar'
      dot.style.background = userColor(user)
      dot.textContent = (user.name.trim()[0] ?? '?').toUpperCase()
      item.append(dot, user.name)
      list.append(item)
    }
    const anonymous = (info?.connections ?? 0) - users.length
    const note = document.createElement('p')
    note.className = 'muted'
    if (error) note.textContent = error
    else if (users.length === 0 && anonymous <= 0) note.textContent = 'Nobody is connected.'
    else if (anonymous > 0) note.textContent = `${users.length > 0 ? '+ ' : ''}${anonymous} connection${anonymous === 1 ? '' : 's'} without a name`
    element.replaceChildren(heading, list, ...(note.textContent ? [note] : []))
  }

  const load = async () => {
    if (inFlight) {
      again = true
      return
    }
    inFlight = true
    try {
      const info = await fetchRoom(context, room)
      render(info)
      for (const listener of listeners) listener(info)
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        render(null, 'Not allowed to see this room.')
        onDenied?.(error)
      } else if (error instanceof ApiError && error.status === 404) {
        render(null)
        for (const listener of listeners) listener(null)
      } else if (error instanceof ApiError && error.status === 0) {
        render(null, `${UNREACHABLE}…`)
        clearTimeout(timer)
        timer = setTimeout(() => void load(), RETRY_MS)
      } else render(null, `Could not load who is here (${(error as Error).message}).`)
    } finally {
      inFlight = false
      if (again) {
        again = false
        void load()
      }
    }
  }

  render(null)
  return {
    element,
    refresh() {
      clearTimeout(timer)
      timer = setTimeout(() => void load(), 50)
    },
    onInfo(listener) {
      listeners.push(listener)
    },
  }
}
