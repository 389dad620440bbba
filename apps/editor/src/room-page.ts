/**
 * One room's page: header (room name, copy link, connection pill), presence bar and the editor.
 */
import { collabEditor, connectRoom, type ConnectionState } from '@cowrite/client'
import { Compartment, EditorState } from '@codemirror/state'
import { EditorView, placeholder } from '@codemirror/view'
import { accessNotice, deniedPlaceholder } from './access-notice.js'
import { connectionPill } from './connection-pill.js'
import { copyLinkButton } from './copy-link.js'
import { editorTheme } from './editor-theme.js'
import { loadUser } from './identity.js'
import { presenceBar } from './presence-bar.js'
import { exposeForTests } from './test-hooks.js'

export interface RoomPageOptions {
  room: string
  /** The Cowrite server's base URL. */
  server: URL
  token?: string
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  node.className = className
  if (text !== undefined) node.textContent = text
  return node
}

export function mountRoomPage(root: HTMLElement, options: RoomPageOptions): void {
  const { room } = options
  document.title = `${room} · Cowrite`

  const session = connectRoom({ url: options.server, room, token: options.token, user: loadUser() })

  const header = element('header', 'topbar')
  const brand = element('a', 'brand', 'Cowrite')
  brand.href = '/'
  brand.title = 'Start a new room'
  const title = element('h1', 'room-name', room)
  title.title = 'Room name'
  const actions = element('div', 'actions')
  const copy = element('button', 'button copy-link', 'Copy link')
  copy.type = 'button'
  const pill = element('span', '')
  pill.id = 'connection'
  const tryNow = element('button', 'button try-now')
  actions.append(copy, pill, tryNow)
  header.append(brand, title, actions)

  const presence = element('nav', '')
  const notice = element('p', '')
  const editorHost = element('main', 'editor')
  // Tab indents inside the editor, so say how to leave it (CodeMirror's tab focus mode).
  const hint = element('p', 'keyboard-hint', session.readOnly ? 'Escape, then Tab: leave the text' : 'Tab indents · Escape, then Tab: leave the editor')
  hint.id = 'keyboard-hint'
  root.replaceChildren(header, presence, notice, editorHost, hint)

  // The empty editor's invitation, unless typing would be a lie (a view token, a refused room).
  const invitation = new Compartment()
  const invite = (state: ConnectionState) =>
    placeholder(state.status === 'denied' ? deniedPlaceholder(state.code, state.reason) : session.readOnly ? 'Nothing here yet.' : 'Start writing. Markdown works.')
  const view = new EditorView({
    parent: editorHost,
    state: EditorState.create({
      extensions: [
        collabEditor(session),
        editorTheme,
        invitation.of(invite(session.state)),
        EditorView.contentAttributes.of({ 'aria-label': `Text of room ${room}`, 'aria-describedby': hint.id }),
      ],
    }),
  })
  session.onState((state) => view.dispatch({ effects: invitation.reconfigure(invite(state)) }))

  copyLinkButton(copy, () => `${location.origin}/r/${encodeURIComponent(room)}`)
  connectionPill(pill, session, tryNow)
  accessNotice(notice, session)
  presenceBar(presence, session, view)
  view.focus()

  exposeForTests({ session, view })
  window.addEventListener('pagehide', (event) => {
    // A page kept in the back-forward cache comes back as it was; any other is gone for good,
    // and destroying the session tells the room at once that we left.
    if (event.persisted) return
    view.destroy()
    session.destroy()
  })
}
