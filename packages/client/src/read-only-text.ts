/**
 * `readOnlyText`: a CodeMirror view that shows a Y.Text as it changes and cannot change it, for
 * pages that only read along (the viewer). The binding is y-codemirror.next's sync alone: no
 * presence, no undo, and nothing typed, since a change made in the view would go into the text.
 * Editing views use collab-editor.ts.
 */
import { EditorState, type Extension } from '@codemirror/state'
import { EditorView } from '@codemirror/view'
import { yCollab } from 'y-codemirror.next'
import type * as Y from 'yjs'

/** Extensions showing `text`; create the view with `text`'s current content as its doc. */
export function readOnlyText(text: Y.Text): Extension {
  return [EditorState.readOnly.of(true), EditorView.editable.of(false), yCollab(text, null, { undoManager: false })]
}
