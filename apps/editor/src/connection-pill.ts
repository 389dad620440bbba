/**
 * The connection pill: always visible, always the truth about whether edits reach the server.
 * It counts down to the next reconnect attempt; while it waits (or access was denied) a "Try now"
 * button next to it tries at once. The button is a real <button>, so the keyboard reaches it; a
 * click on the pill itself does the same for the mouse.
 */
import type { ConnectionState, RoomSession } from '@cowrite/client'

/** The pill's words for a state at time `now` (ms). */
export function pillText(state: ConnectionState, readOnly: boolean, now: number): string {
  switch (state.status) {
    case 'connecting':
      return state.attempt > 1 ? 'Reconnecting…' : 'Connecting…'
    case 'synced':
      return readOnly ? 'Read-only' : 'Connected'
    case 'reconnecting':
      return `Reconnecting in ${Math.max(1, Math.ceil((state.retryAt - now) / 1000))} s…`
    case 'offline':
      return 'Offline: your edits are kept and will sync'
    case 'denied':
      return 'Access denied'
  }
}

function pillTitle(state: ConnectionState, readOnly: boolean): string {
  switch (state.status) {
    case 'connecting':
      return 'Connecting to the server'
    case 'synced':
      return readOnly ? 'You can read along; your token does not allow editing' : 'Your edits reach everyone in this room'
    case 'reconnecting':
      return 'The server is unreachable. Your edits are kept in this browser and will sync. Try now to skip the wait.'
    case 'offline':
      return 'This browser has no network. Your edits are kept in this browser and will sync.'
    case 'denied':
      return `The server refused access to this room (${state.code}${state.reason ? `: ${state.reason}` : ''}). Try again with a new link.`
  }
}

/** Whether "try now" means something in `state`: a wait to skip, or a refusal to ask again about. */
function canRetry(state: ConnectionState): boolean {
  return state.status === 'reconnecting' || state.status === 'denied'
}

/**
 * Mount the pill into `element`, and `tryNow` (shown only when trying now helps), and keep them
 * current until the session is destroyed.
 */
export function connectionPill(element: HTMLElement, session: RoomSession, tryNow?: HTMLButtonElement): () => void {
  element.classList.add('pill')
  element.setAttribute('role', 'status')
  element.setAttribute('aria-live', 'polite')
  let ticker: ReturnType<typeof setInterval> | undefined

  function render(state: ConnectionState): void {
    element.dataset.status = state.status === 'synced' && session.readOnly ? 'read-only' : state.status
    // "Offline: your edits are kept…": the words after the colon may be dropped on a small screen.
    const [main, more] = pillText(state, session.readOnly, Date.now()).split(/(?=: )/)
    const rest = document.createElement('span')
    rest.className = 'pill-more'
    rest.textContent = more ?? ''
    element.replaceChildren(main ?? '', ...(more ? [rest] : []))
    element.title = pillTitle(state, session.readOnly)
    if (tryNow) tryNow.hidden = !canRetry(state)
    const waiting = state.status === 'reconnecting'
    if (waiting && !ticker) ticker = setInterval(() => render(session.state), 250)
    if (!waiting && ticker) {
      clearInterval(ticker)
      ticker = undefined
    }
  }

  const retry = () => {
    if (canRetry(session.state)) session.retry()
  }
  element.addEventListener('click', retry)
  if (tryNow) {
    tryNow.type = 'button'
    tryNow.textContent = 'Try now'
    tryNow.addEventListener('click', retry)
  }
  render(session.state)
  const unsubscribe = session.onState(render)
  return () => {
    unsubscribe()
    element.removeEventListener('click', retry)
    tryNow?.removeEventListener('click', retry)
    if (ticker) clearInterval(ticker)
  }
}
