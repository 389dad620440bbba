/**
 * A plain sentence under the top bar when the server refuses this room: the pill alone is easy
 * to miss, and an empty editor inviting you to type would be a lie.
 */
import type { ConnectionState, RoomSession } from '@cowrite/client'

const MESSAGE: Record<number, string> = {
  401: 'You need a valid link to open this room: yours has no token, or it has expired. Ask whoever shared it for a new one.',
  403: 'Your link does not give access to this room. Ask whoever shared it for a link to this room.',
}

/** Mount the notice into `element`, hidden unless the session is denied. */
export function accessNotice(element: HTMLElement, session: RoomSession): () => void {
  element.classList.add('access-notice')
  element.setAttribute('role', 'alert')
  function render(state: ConnectionState): void {
    element.hidden = state.status !== 'denied'
    if (state.status === 'denied') element.textContent = MESSAGE[state.code] ?? MESSAGE[403]!
  }
  render(session.state)
  return session.onState(render)
}
