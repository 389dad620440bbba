/**
 * A plain sentence under the top bar when the server refuses this room: the pill alone is easy
 * to miss, and an empty editor inviting you to type would be a lie.
 */
import type { ConnectionState, RoomSession } from '@cowrite/client'
import { CloseCode } from '@cowrite/protocol'

const MISSING = 'You need a valid link to open this room: yours has no token, or it has expired. Ask whoever shared it for a new one.'
const WRONG_ROOM = 'Your link does not give access to this room. Ask whoever shared it for a link to this room.'

/**
 * The sentence for a refusal: the server's reason when it gave one (a forged token is not an
 * expired one), else what the status code alone can tell.
 */
export function deniedMessage(code: number, reason: string | undefined): string {
  if (code === CloseCode.roomDeleted) return 'This room was deleted. Nothing typed here is saved: start a new room from the Cowrite logo.'
  if (code === 403) return reason && reason !== 'forbidden' ? `Your link does not give access to this room (${reason}). Ask whoever shared it for a link to this room.` : WRONG_ROOM
  if (code !== 401 || !reason || reason === 'token required') return code === 401 ? MISSING : WRONG_ROOM
  if (reason === 'token expired') return 'Your link has expired. Ask whoever shared it for a new one.'
  return `Your link’s token is not valid (${reason}): it was not made for this server, or it was changed. Ask whoever shared it for a new one.`
}

/** A few words for the editor's placeholder when access is refused. */
export function deniedPlaceholder(code: number, reason: string | undefined): string {
  if (code === CloseCode.roomDeleted) return 'This room was deleted. Nothing typed here would be saved.'
  return `Access denied: ${reason ?? (code === 401 ? 'this link has no valid token' : 'this link is for another room')}. Nothing typed here would be saved.`
}

/** Mount the notice into `element`, hidden unless the session is denied. */
export function accessNotice(element: HTMLElement, session: RoomSession): () => void {
  element.classList.add('access-notice')
  element.setAttribute('role', 'alert')
  function render(state: ConnectionState): void {
    element.hidden = state.status !== 'denied'
    if (state.status === 'denied') element.textContent = deniedMessage(state.code, state.reason)
  }
  render(session.state)
  return session.onState(render)
}
