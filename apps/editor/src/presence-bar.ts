/**
 * The presence bar: this person's own name (editable, unless the link's token fixes it) and colour
 * (click to change), then everyone else in the room. Clicking someone scrolls the editor to their cursor.
 * When the bar is wider than the screen, it fades out where it goes on (it scrolls sideways).
 */
import { lightColor, onPeers, listPeers, type Peer, type RoomSession } from '@cowrite/client'
import { EditorView } from '@codemirror/view'
import { cleanName, nextColor, saveColor, saveUser } from './identity.js'

function initials(name: string): string {
  const words = name.split(' ').filter(Boolean)
  return ((words[0]?.[0] ?? '?') + (words[1]?.[0] ?? '')).toUpperCase()
}

function avatar(color: string, name: string): HTMLElement {
  const dot = document.createElement('span')
  dot.className = 'avatar'
  dot.style.backgroundColor = color
  dot.textContent = initials(name)
  dot.setAttribute('aria-hidden', 'true')
  return dot
}

/** Mount the bar into `element`; returns the unmount function. */
export function presenceBar(element: HTMLElement, session: RoomSession, view: EditorView): () => void {
  element.classList.add('presence')
  element.setAttribute('aria-label', 'People in this room')

  // Own identity: a colour button and a name field.
  const me = document.createElement('div')
  me.className = 'me'
  const colorButton = document.createElement('button')
  colorButton.type = 'button'
  colorButton.className = 'color-button'
  colorButton.title = 'Change your colour'
  const nameInput = document.createElement('input')
  nameInput.className = 'name-input'
  nameInput.type = 'text'
  nameInput.maxLength = 40
  nameInput.setAttribute('autocomplete', 'nickname')
  nameInput.spellcheck = false
  nameInput.setAttribute('aria-label', 'Your name')
  nameInput.value = session.user.name
  if (session.nameFixed) {
    // The server reports the token's name as this person's: a different name typed here would
    // show in the room but not in the activity log.
    nameInput.disabled = true
    nameInput.title = 'Your name is set by the link you opened'
  }
  me.append(colorButton, nameInput)

  const others = document.createElement('ul')
  others.className = 'others'
  element.replaceChildren(me, others)

  function renderMe(): void {
    colorButton.replaceChildren(avatar(session.user.color, session.user.name))
    nameInput.style.setProperty('--user-color', session.user.color)
  }

  function commitName(): void {
    const name = cleanName(nameInput.value)
    if (!name) {
      nameInput.value = session.user.name
      return
    }
    if (name === session.user.name) return
    session.setUser({ ...session.user, name })
    saveUser(session.user)
    renderMe()
  }
  nameInput.addEventListener('change', commitName)
  nameInput.addEventListener('keydown', (event) => {
    // preventDefault: the key must not follow the focus into the editor and type a newline there.
    if (event.key === 'Enter') {
      event.preventDefault()
      commitName()
      view.focus()
    } else if (event.key === 'Escape') {
      event.preventDefault()
      nameInput.value = session.user.name
      view.focus()
    }
  })
  colorButton.addEventListener('click', () => {
    const color = nextColor(session.user.color)
    session.setUser({ ...session.user, color, colorLight: lightColor(color) })
    // A name the token fixes is not this browser's to remember.
    if (session.nameFixed) saveColor(color)
    else saveUser(session.user)
    renderMe()
  })

  function scrollTo(peer: Peer): void {
    const current = listPeers(session).find((p) => p.clientId === peer.clientId)
    if (current?.cursor == null) return
    const pos = Math.min(current.cursor, view.state.doc.length)
    view.dispatch({ effects: EditorView.scrollIntoView(pos, { y: 'center' }) })
  }

  function renderOthers(peers: Peer[]): void {
    const items = peers
      .filter((peer) => !peer.self)
      .map((peer) => {
        const item = document.createElement('li')
        const button = document.createElement('button')
        button.type = 'button'
        button.className = 'peer'
        button.dataset.clientId = String(peer.clientId)
        button.style.setProperty('--user-color', peer.user.color)
        button.title = peer.cursor == null ? `${peer.user.name} (no cursor yet)` : `Go to ${peer.user.name}'s cursor`
        const name = document.createElement('span')
        name.className = 'peer-name'
        name.textContent = peer.user.name
        button.append(avatar(peer.user.color, peer.user.name), name)
        button.addEventListener('click', () => scrollTo(peer))
        item.append(button)
        return item
      })
    if (items.length === 0) {
      const alone = document.createElement('li')
      alone.className = 'alone'
      // Without a connection nobody else can be seen, which is not the same as nobody being there.
      alone.textContent = session.state.status === 'synced' ? 'Only you so far: share the link to write together' : 'Others show here once you are connected'
      items.push(alone)
    }
    others.replaceChildren(...items)
  }

  // A bar wider than the screen fades out at the side it continues on, so it shows that it scrolls.
  const showOverflow = () => {
    const hidden = element.scrollWidth - element.clientWidth
    element.classList.toggle('more-after', hidden > 1 && element.scrollLeft < hidden - 1)
    element.classList.toggle('more-before', hidden > 1 && element.scrollLeft > 1)
  }
  element.addEventListener('scroll', showOverflow, { passive: true })
  const resized = new ResizeObserver(showOverflow)
  resized.observe(element)

  renderMe()
  renderOthers(listPeers(session))
  showOverflow()
  const rerender = () => {
    renderOthers(listPeers(session))
    showOverflow()
  }
  const unsubscribe = onPeers(session, rerender)
  const unsubscribeState = session.onState(rerender)
  return () => {
    unsubscribe()
    unsubscribeState()
    resized.disconnect()
    element.removeEventListener('scroll', showOverflow)
  }
}
