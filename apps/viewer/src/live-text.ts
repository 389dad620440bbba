/**
 * The room's document, live and read-only: a Y.Doc replica fed by the `?doc=1` stream's base64
 * updates, mirrored into a CodeMirror view that cannot be edited.
 *
 * Each `snapshot` (one per (re)connection) rebuilds the replica from scratch, so a server whose
 * store was wiped never leaves old text merged into the new; the view then changes only the span
 * that differs. Live `update`s are applied to the replica and its text delta is replayed into the
 * view as one transaction. Nothing is ever sent back: the viewer has no socket to send on.
 */
import { EditorState, type ChangeSpec } from '@codemirror/state'
import { EditorView, lineNumbers } from '@codemirror/view'
import * as Y from 'yjs'

export interface LiveText {
  readonly view: EditorView
  /** Replace the replica with the document in `update` (base64 Yjs update of the whole doc). */
  snapshot(update: string): void
  /** Apply a live base64 Yjs update. */
  update(update: string): void
  destroy(): void
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** The one change turning `from` into `to`: their common prefix and suffix are kept. */
function diff(from: string, to: string): ChangeSpec | null {
  if (from === to) return null
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
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: '',
      extensions: [
        EditorState.readOnly.of(true),
        EditorView.editable.of(false),
        EditorView.lineWrapping,
        lineNumbers(),
        theme,
        EditorView.contentAttributes.of({ 'aria-label': 'Document (read-only)' }),
      ],
    }),
  })

  const follow = (replica: Y.Doc) => {
    replica.getText('content').observe((event) => {
      const changes: ChangeSpec[] = []
      let position = 0
      for (const part of event.delta) {
        if (part.retain !== undefined) position += part.retain
        else if (part.delete !== undefined) {
          changes.push({ from: position, to: position + part.delete })
          position += part.delete
        } else if (typeof part.insert === 'string') changes.push({ from: position, insert: part.insert })
      }
      // Positions in a delta refer to the text before the change, as CodeMirror's changes do.
      if (changes.length > 0) view.dispatch({ changes })
    })
  }

  follow(doc)
  return {
    view,
    snapshot(update) {
      const next = new Y.Doc()
      Y.applyUpdate(next, fromBase64(update))
      const change = diff(view.state.doc.toString(), next.getText('content').toString())
      doc.destroy()
      doc = next
      follow(doc)
      if (change) view.dispatch({ changes: change })
    },
    update(update) {
      Y.applyUpdate(doc, fromBase64(update))
    },
    destroy() {
      doc.destroy()
      view.destroy()
    },
  }
}
