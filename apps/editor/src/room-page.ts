/**
 * One room's page: header (logo back to the start page, the document's title and the room's
 * name, Share, the room's activity in the viewer, connection pill), presence bar, the editor (Markdown
 * loaded after the page, find and replace, Ctrl+B / Ctrl+I) with its preview pane, and a status bar
 * (keyboard hint, word count, preview toggle, download).
 */
import { collabEditor, connectRoom, type ConnectionState } from '@cowrite/client'
import { Compartment, EditorState } from '@codemirror/state'
import { EditorView, placeholder } from '@codemirror/view'
import { accessNotice, deniedPlaceholder } from './access-notice.js'
import { connectionPill } from './connection-pill.js'
import { editorTheme } from './editor-theme.js'
import { element } from './dom.js'
import { downloadButton } from './download.js'
import { findAndReplace } from './find-replace.js'
import { formattingKeymap } from './formatting.js'
import { loadUser } from './identity.js'
import { historyHref, viewerHref, withToken } from './links.js'
import { tokenEndpoint, tokenSource } from './token-endpoint.js'
import { lazyMarkdown } from './markdown.js'
import { markdownStyle } from './markdown-style.js'
import { presenceBar } from './presence-bar.js'
import { preview } from './preview.js'
import { rememberRoom } from './recent-rooms.js'
import { shareMenu } from './share-menu.js'
import { exposeForTests } from './test-hooks.js'
import { titleField } from './title-field.js'
import { wordCount } from './word-count.js'

export interface RoomPageOptions {
  room: string
  /** The Cowrite server's base URL. */
  server: URL
  token?: string
}

export function mountRoomPage(root: HTMLElement, options: RoomPageOptions): void {
  const { room, token } = options
  document.title = `${room} · Cowrite`
  rememberRoom(room, { token })

  // A self-hoster's backend may hand out fresh tokens (`?tokenEndpoint=/path`): sessions then outlive their token.
  const endpoint = tokenEndpoint(location.search, location.origin)
  const session = connectRoom({ url: options.server, room, token, user: loadUser(), ...(endpoint ? { getToken: tokenSource(endpoint, room) } : {}) })

  const header = element('header', 'topbar')
  const brand = element('a', 'brand', 'Cowrite')
  brand.href = withToken('/', token)
  brand.title = 'Your rooms, and a new one'
  const heading = element('div', 'heading')
  const title = element('input', '')
  const name = element('h1', 'room-name', room)
  name.title = 'Room name'
  heading.append(title, name)
  const actions = element('div', 'actions')
  const share = element('div', '')
  const activity = element('a', 'button activity-link', 'Activity')
  activity.href = viewerHref(room, token)
  activity.title = 'This room’s activity and live text in the viewer'
  const history = element('a', 'button history-link', 'History')
  history.href = historyHref(room, token)
  history.title = 'Every version of this room, what changed, and restoring one'
  const pill = element('span', '')
  pill.id = 'connection'
  const tryNow = element('button', 'button try-now')
  actions.append(share, activity, history, pill, tryNow)
  header.append(brand, heading, actions)

  const presence = element('nav', '')
  const notice = element('p', '')
  const workspace = element('div', 'workspace')
  const editorHost = element('main', 'editor')
  const previewPane = element('section', '')
  previewPane.id = 'preview'
  workspace.append(editorHost, previewPane)
  const footer = element('footer', 'statusbar')
  // Tab indents inside the editor, so say how to leave it (CodeMirror's tab focus mode).
  const hint = element('p', 'keyboard-hint', session.readOnly ? 'Escape, then Tab: leave the text' : 'Tab indents · Escape, then Tab: leave the editor')
  hint.id = 'keyboard-hint'
  const words = element('span', '')
  const previewButton = element('button', 'button small preview-toggle')
  const download = element('button', 'button small download')
  footer.append(hint, words, previewButton, download)
  root.replaceChildren(header, presence, notice, workspace, footer)

  // The empty editor's invitation, unless typing would be a lie (a view token, a refused room).
  const invitation = new Compartment()
  const invite = (state: ConnectionState) =>
    placeholder(state.status === 'denied' ? deniedPlaceholder(state.code, state.reason) : session.readOnly ? 'Nothing here yet.' : 'Start writing. Markdown works.')
  const markdown = lazyMarkdown()
  const view = new EditorView({
    parent: editorHost,
    state: EditorState.create({
      extensions: [
        collabEditor(session, { keys: formattingKeymap }),
        markdown.extension,
        markdownStyle,
        findAndReplace(),
        editorTheme,
        invitation.of(invite(session.state)),
        EditorView.contentAttributes.of({ 'aria-label': `Text of room ${room}`, 'aria-describedby': hint.id }),
      ],
    }),
  })
  session.onState((state) => view.dispatch({ effects: invitation.reconfigure(invite(state)) }))
  const markdownLoaded = markdown.load(view)

  titleField(title, session, () => view.focus())
  shareMenu(share, { session, server: options.server, token })
  connectionPill(pill, session, tryNow)
  accessNotice(notice, session)
  presenceBar(presence, session, view)
  wordCount(words, session)
  preview({ button: previewButton, pane: previewPane, layout: workspace, session })
  downloadButton(download, session)
  view.focus()

  exposeForTests({ session, view, markdownLoaded })
  window.addEventListener('pagehide', (event) => {
    // A page kept in the back-forward cache comes back as it was; any other is gone for good,
    // and destroying the session tells the room at once that we left.
    if (event.persisted) return
    view.destroy()
    session.destroy()
  })
}
