/**
 * `collabEditor`: the CodeMirror 6 extensions that make an editor a view of a room's shared text.
 * Sync, remote cursors and undo come from y-codemirror.next (its caret labels made to follow
 * renames by renamed-carets.ts); the rest is a plain-text editing setup (a language, such as the
 * editor app's lazily loaded Markdown, is the app's to add). Undo is a
 * per-user `Y.UndoManager` tracking only this editor's own changes: there is deliberately no
 * CodeMirror `history()`, which would record remote changes too and let one person's undo revert
 * another person's text.
 */
import { defaultKeymap, indentWithTab } from '@codemirror/commands'
import { bracketMatching, defaultHighlightStyle, HighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language'
import { Compartment, EditorState, type Extension } from '@codemirror/state'
import {
  drawSelection,
  dropCursor,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
  ViewPlugin,
} from '@codemirror/view'
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next'
import * as Y from 'yjs'
import type { RoomSession } from './connect-room.js'
import { caretLabels } from './caret-labels.js'
import { renamedCarets } from './renamed-carets.js'

/**
 * CSS custom property names for the default highlight colours, so a page can restyle syntax
 * colours (for a dark scheme, say) with plain CSS: `--cowrite-syntax-<name>`.
 */
const SYNTAX_COLOURS: Record<string, string> = {
  '#404740': 'meta',
  '#708': 'keyword',
  '#219': 'atom',
  '#164': 'literal',
  '#a11': 'string',
  '#e40': 'regexp',
  '#00f': 'definition',
  '#30a': 'local',
  '#085': 'type',
  '#167': 'class',
  '#256': 'macro',
  '#00c': 'property',
  '#940': 'comment',
  '#f00': 'invalid',
}

/** CodeMirror's default highlighting, its colours overridable by `--cowrite-syntax-*` properties. */
const highlightStyle = HighlightStyle.define(
  defaultHighlightStyle.specs.map((spec) => {
    const name = typeof spec.color === 'string' ? SYNTAX_COLOURS[spec.color] : undefined
    return name ? { ...spec, color: `var(--cowrite-syntax-${name}, ${spec.color})` } : spec
  }),
)

/**
 * Read-only and not editable while the token is view-only or the server refuses the session:
 * a read-only editor that still takes focus shows a blinking caret as if typing worked, and
 * text typed into a refused room would never reach anyone. Follows the connection state, so a
 * retry that gets in unlocks the editor again.
 */
function accessLock(session: RoomSession): Extension {
  const compartment = new Compartment()
  const locked = () => session.readOnly || session.state.status === 'denied'
  const lock = (on: boolean) => [EditorState.readOnly.of(on), EditorView.editable.of(!on)]
  const follower = ViewPlugin.define((view) => {
    let current = locked()
    const unsubscribe = session.onState(() => {
      if (locked() === current) return
      current = locked()
      view.dispatch({ effects: compartment.reconfigure(lock(current)) })
    })
    return { destroy: unsubscribe }
  })
  return [compartment.of(lock(locked())), follower]
}

export interface CollabEditorOptions {
  /** Extra key bindings, ahead of the defaults. */
  keys?: Parameters<typeof keymap.of>[0]
}

/**
 * Extensions binding an editor to `session.text`: sync, remote cursors and selections labelled
 * with each user's name and colour while they are active (caret-labels.ts), local-only undo (Mod-z, Mod-y / Mod-Shift-z), line numbers,
 * bracket matching, syntax highlighting (of whatever language the app adds) and line wrapping; Tab indents (Escape, then Tab moves
 * the focus on). Read-only and not editable (no caret) when the token is view-only or access is denied.
 * Create the EditorState with an empty doc: the text comes from the room.
 */
export function collabEditor(session: RoomSession, options: CollabEditorOptions = {}): Extension {
  // An empty tracked-origins set: y-codemirror.next adds its own sync origin, so exactly the
  // changes made in this editor are undoable, never remote ones nor the offline copy's.
  const undoManager = new Y.UndoManager(session.text, { trackedOrigins: new Set() })
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    drawSelection(),
    dropCursor(),
    rectangularSelection(),
    indentOnInput(),
    bracketMatching(),
    highlightActiveLine(),
    syntaxHighlighting(highlightStyle),
    EditorView.lineWrapping,
    accessLock(session),
    // Tab indents; Escape then Tab leaves the editor (CodeMirror's tab focus mode), so the
    // keyboard is never trapped. Say so near the editor: see the editor app's keyboard hint.
    keymap.of([...(options.keys ?? []), ...yUndoManagerKeymap, indentWithTab, ...defaultKeymap]),
    renamedCarets(yCollab(session.text, session.awareness, { undoManager }), session.awareness),
    caretLabels(session.awareness, session.text),
  ]
}
