/**
 * The room's document, live and read-only: a Y.Doc replica fed by the `?doc=1` stream's base64
 * updates, shown by a CodeMirror view bound to the replica's text with y-codemirror.next
 * (@cowrite/client's `readOnlyText`), which replays each update into the view.
 *
 * Lines changed live are marked with who changed them for a moment (editing-marks.ts).
 * The replica's title (`meta` map, key `title`) is reported to the page as it changes.
 *
 * Each `snapshot` (one per (re)connection) replaces the replica with a new one, so a server whose
 * store was wiped never leaves old text merged into the new: the view is unbound, changed only
 * in the span that differs, and bound to the new replica. Nothing is ever sent back: the viewer
 * has no socket to send on.
 */
import { readOnlyText } from '@cowrite/client'
import { CONTENT, META, summarizeTitle, TITLE } from '@cowrite/protocol'
import { Compartment, EditorState, type ChangeSpec } from '@codemirror/state'
import { EditorView, lineNumbers } from '@codemirror/view'
import { fromBase64 } from 'lib0/buffer'
import { editingMarks } from './editing-marks.js'
import * as Y from 'yjs'

export interface LiveText {
  readonly view: EditorView
  /** `name` (in `color`) has just edited (an activity event): their live changes are marked as theirs. */
  edited(name: string, color: string): void
  /** The document's title (`meta` map, key `title`), or null when it has none. */
  readonly title: string | null
  /** Call `listener` whenever the title changes. */
  onTitle(listener: (title: string | null) => void): void
  /** Replace the replica with the document in `update` (base64 Yjs update of the whole doc). */
  snapshot(update: string): void
  /** Apply a live base64 Yjs update. */
  update(update: string): void
  destroy(): void
}

/** The one change turning `from` into `to` (none when equal): their common prefix and suffix are kept. */
function diff(from: string, to: string): ChangeSpec {
  let start = 0
  const shorter = Math.min(from.length, to.length)
  while (start < shorter && from.charCodeAt(start) === to.charCodeAt(start)) start++
  let end = 0
  while (end < shorter - start && from.charCodeAt(from.length - 1 - end) === to.charCodeAt(to.length - 1 - end)) end++
  return { from: start, to: from.length - end, insert: to.slice(start, to.length - end) }
}

const theme = EditorView.theme({
  '&': { height: '100%', backgroundColor: 'var(--editor-bg)', color: 'var(--fg)' },
  '.cm-scroller': { fontFamily: 'var(--mono)', fontSize: '14px', lineHeight: '1.6' },
  '.cm-content': { padding: '12px 0' },
  '.cm-line': { padding: '0 16px' },
  '.cm-gutters': { backgroundColor: 'var(--editor-bg)', color: 'var(--muted)', border: 'none' },
  '&.cm-focused': { outline: 'none' },
})

export function liveText(parent: HTMLElement): LiveText {
  let doc = new Y.Doc()
  const marks = editingMarks()
  let title: string | null = null
  const titleListeners: Array<(title: string | null) => void> = []
  const checkTitle = () => {
    const next = summarizeTitle(doc.getMap<unknown>(META).get(TITLE))
    if (next === title) return
    title = next
    for (const listener of titleListeners) listener(title)
  }
  const binding = new Compartment()
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: '',
      extensions: [
        binding.of(readOnlyText(doc.getText(CONTENT))),
        marks.extension,
        EditorView.lineWrapping,
        lineNumbers(),
        theme,
        EditorView.contentAttributes.of({ 'aria-label': 'Document (read-only)' }),
      ],
    }),
  })

  return {
    view,
    get title() {
      return title
    },
    onTitle(listener) {
      titleListeners.push(listener)
    },
    snapshot(update) {
      const next = new Y.Doc()
      Y.applyUpdate(next, fromBase64(update))
      const text = next.getText(CONTENT)
      // Unbound first: a bound view writes its own changes into the replica it shows. The new
      // binding then starts from the view's text, by then the new replica's.
      view.dispatch({ effects: binding.reconfigure([]) })
      view.dispatch({ changes: diff(view.state.doc.toString(), text.toString()), effects: binding.reconfigure(readOnlyText(text)) })
      doc.destroy()
      doc = next
      checkTitle()
    },
    update(update) {
      // y-codemirror.next replays the change into the view at once, inside this call.
      marks.live(() => Y.applyUpdate(doc, fromBase64(update)))
      checkTitle()
    },
    edited(name, color) {
      marks.edited(name, color)
    },
    destroy() {
      view.destroy()
      doc.destroy()
    },
  }
}
