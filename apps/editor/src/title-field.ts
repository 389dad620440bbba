/**
 * The document's title, edited together: the string at key `title` of `doc.getMap('meta')`
 * (design.md), shown in an input in the header and in the browser tab, and remembered in this
 * browser's recent rooms. Each keystroke sets the whole string, so the last writer wins; a remote
 * change replaces the field's text but keeps the caret where it was when the field has focus.
 */
import type { RoomSession } from '@cowrite/client'
import { MAX_TITLE_LENGTH, META, summarizeTitle, TITLE } from '@cowrite/protocol'
import { rememberRoom } from './recent-rooms.js'

/** Bind `input` to the room's title; Enter or Escape calls `done` (back to the text). Returns the unbind function. */
export function titleField(input: HTMLInputElement, session: RoomSession, done: () => void): () => void {
  const meta = session.doc.getMap<unknown>(META)
  input.classList.add('title-input')
  input.type = 'text'
  input.placeholder = 'Untitled'
  input.maxLength = MAX_TITLE_LENGTH
  input.spellcheck = false
  input.setAttribute('aria-label', 'Document title')
  input.setAttribute('autocomplete', 'off')

  const current = () => (typeof meta.get(TITLE) === 'string' ? (meta.get(TITLE) as string) : '')
  const show = () => {
    const value = current()
    if (input.value !== value) {
      const focused = document.activeElement === input
      const { selectionStart, selectionEnd } = input
      input.value = value
      if (focused && selectionStart !== null && selectionEnd !== null) input.setSelectionRange(Math.min(selectionStart, value.length), Math.min(selectionEnd, value.length))
    }
    // As the server's summaries show it, so the tab, the lists and the viewer agree.
    const title = summarizeTitle(value)
    document.title = `${title ?? session.room} · Cowrite`
    input.title = title ?? 'Give this document a title'
    rememberRoom(session.room, { title })
  }
  const locked = () => {
    // A view token's edits would be dropped by the server, and a refused page saves nothing.
    input.readOnly = session.readOnly || session.state.status === 'denied'
  }
  const onInput = () => {
    if (input.readOnly) return
    session.doc.transact(() => meta.set(TITLE, input.value))
  }
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Enter' || event.key === 'Escape') {
      // preventDefault: the key must not follow the focus into the editor.
      event.preventDefault()
      done()
    }
  }
  input.addEventListener('input', onInput)
  input.addEventListener('keydown', onKey)
  meta.observe(show)
  locked()
  show()
  const unsubscribe = session.onState(locked)
  return () => {
    unsubscribe()
    meta.unobserve(show)
    input.removeEventListener('input', onInput)
    input.removeEventListener('keydown', onKey)
  }
}
