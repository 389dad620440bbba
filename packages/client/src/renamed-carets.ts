/**
 * Remote caret labels that follow renames. y-codemirror.next 0.3.6's caret widget compares
 * colours only (its `eq` and `compare`), so when someone renames themselves, everyone else keeps
 * showing the old label until that caret moves.
 *
 * The widget class is not exported. Where its instances look as in 0.3.6 (string `color` and
 * `name` fields, `eq` and `compare` on the prototype), the class is made to compare names too,
 * before CodeMirror diffs the widgets. Where they do not (an upgrade changed them), only public
 * API is used: a remote rename takes the collaboration extension out of the view and puts it back,
 * which draws every caret anew. renamed-carets-rely-on-y-codemirror-internals.test.ts fails loudly
 * when the installed y-codemirror.next no longer looks as this module expects.
 */
import { Compartment, type Extension } from '@codemirror/state'
import { ViewPlugin, type EditorView, type WidgetType } from '@codemirror/view'
import { yRemoteSelections } from 'y-codemirror.next'
import type { Awareness } from 'y-protocols/awareness'

/** The caret widget's fields in y-codemirror.next 0.3.6 (src/y-remote-selections.js, `YRemoteCaretWidget`). */
interface CaretFields {
  color: string
  name: string
}

interface CaretPrototype {
  eq(other: unknown): boolean
  compare(other: unknown): boolean
  /** Set once the class compares names: every view shares it. */
  cowriteComparesNames?: true
}

/** Whether `widget` is a caret widget shaped as in 0.3.6, so that its class can be patched. */
export function isPatchableCaret(widget: unknown): widget is WidgetType & CaretFields {
  if (typeof widget !== 'object' || widget === null) return false
  const { color, name } = widget as Partial<CaretFields>
  const prototype = Object.getPrototypeOf(widget) as Partial<CaretPrototype> | null
  return typeof color === 'string' && typeof name === 'string' && typeof prototype?.eq === 'function' && typeof prototype.compare === 'function'
}

/** Make the class of `widget` (patchable) compare names as well as colours. */
function compareNames(widget: WidgetType & CaretFields): void {
  const prototype = Object.getPrototypeOf(widget) as CaretPrototype
  if (prototype.cowriteComparesNames) return
  prototype.cowriteComparesNames = true
  prototype.eq = prototype.compare = function (this: CaretFields, other: unknown) {
    const that = other as Partial<CaretFields>
    return that.color === this.color && that.name === this.name
  }
}

/** The first caret widget among the remote selection decorations, or undefined when nobody's caret is shown. */
function firstCaret(view: EditorView): WidgetType | undefined {
  let found: WidgetType | undefined
  view.plugin(yRemoteSelections)?.decorations.between(0, view.state.doc.length, (_from, _to, decoration) => {
    found = (decoration.spec as { widget?: WidgetType }).widget
    if (found) return false
  })
  return found
}

/**
 * Call `renamed` whenever a remote user's name changes, as the caret label shows it (the raw
 * awareness `user.name`: y-codemirror.next does not cap it). Arrivals, departures, colour changes
 * and this client's own changes are not renames. Returns the function that stops watching.
 */
export function watchRenames(awareness: Awareness, renamed: () => void): () => void {
  const nameOf = (clientId: number) => (awareness.getStates().get(clientId) as { user?: { name?: unknown } } | undefined)?.user?.name
  const names = new Map<number, unknown>()
  awareness.getStates().forEach((_state, clientId) => names.set(clientId, nameOf(clientId)))
  const onChange = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
    let changed = false
    for (const clientId of updated) {
      const name = nameOf(clientId)
      if (clientId !== awareness.clientID && names.get(clientId) !== name) changed = true
      names.set(clientId, name)
    }
    for (const clientId of added) names.set(clientId, nameOf(clientId))
    for (const clientId of removed) names.delete(clientId)
    if (changed) renamed()
  }
  awareness.on('change', onChange)
  return () => awareness.off('change', onChange)
}

/**
 * `collab` (yCollab's extensions for `awareness`) with caret labels that follow renames. Place
 * it where yCollab would go: the plugin watching the carets must come after it.
 */
export function renamedCarets(collab: Extension, awareness: Awareness): Extension {
  const binding = new Compartment()
  /** Out of the view and back in: y-codemirror.next's plugins are created anew, and draw new carets. */
  const redraw = (view: EditorView) => {
    view.dispatch({ effects: binding.reconfigure([]) })
    view.dispatch({ effects: binding.reconfigure(collab) })
    // A plugin created during an update draws nothing until the next one.
    view.dispatch({})
  }
  const plugin = ViewPlugin.define((view) => {
    let mode: 'unknown' | 'patched' | 'redraw' = 'unknown'
    const inspect = () => {
      if (mode !== 'unknown') return
      const caret = firstCaret(view)
      if (!caret) return
      if (isPatchableCaret(caret)) {
        compareNames(caret)
        mode = 'patched'
      } else mode = 'redraw'
    }
    inspect()
    const stop = watchRenames(awareness, () => {
      if (mode === 'redraw') redraw(view)
    })
    return { update: inspect, destroy: stop }
  })
  return [binding.of(collab), plugin]
}
