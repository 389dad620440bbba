/**
 * The stream's state, said plainly: "Connecting…", "Catching up 12 events", "Live",
 * "Reconnecting…" (with how long), "Closed", or "Access denied: <reason>" once the server has
 * refused the page's token (the stream would otherwise retry and say "Reconnecting…" forever).
 * The element carries `data-status` for styling.
 */
import type { FollowState } from '@cowrite/client'

export interface ConnectionBadge {
  readonly element: HTMLElement
  show(state: FollowState): void
  /** The server refused access (401/403) for `reason`: say so, and ignore later stream states. */
  deny(reason: string): void
}

export function connectionBadge(): ConnectionBadge {
  const element = document.createElement('span')
  element.className = 'badge'
  element.setAttribute('role', 'status')
  element.setAttribute('aria-live', 'polite')
  element.id = 'connection'
  let ticker: ReturnType<typeof setInterval> | undefined
  let denied = false

  const render = (state: FollowState) => {
    element.dataset.status = state.status
    switch (state.status) {
      case 'connecting':
        element.textContent = 'Connecting…'
        break
      case 'catching-up':
        element.textContent = state.received === 0 ? 'Catching up…' : `Catching up ${state.received.toLocaleString('en')} event${state.received === 1 ? '' : 's'}`
        break
      case 'live':
        element.textContent = 'Live'
        break
      case 'reconnecting': {
        const seconds = Math.floor((Date.now() - state.since.getTime()) / 1000)
        element.textContent = seconds < 3 ? 'Reconnecting…' : `Reconnecting… (offline ${seconds} s)`
        break
      }
      case 'closed':
        element.textContent = 'Closed'
        break
    }
  }

  render({ status: 'connecting' })
  return {
    element,
    show(state) {
      if (denied) return
      clearInterval(ticker)
      render(state)
      if (state.status === 'reconnecting') ticker = setInterval(() => render(state), 1000)
    },
    deny(reason) {
      denied = true
      clearInterval(ticker)
      element.dataset.status = 'denied'
      element.textContent = `Access denied: ${reason}`
    },
  }
}
