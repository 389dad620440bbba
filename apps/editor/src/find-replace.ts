/**
 * Find and replace (@codemirror/search), loaded the first time it is asked for: Mod-f (Ctrl+F,
 * Cmd+F) loads it, puts its panel (at the top) and its key bindings (F3, Mod-g, Mod-d, …) into the
 * editor and opens the panel, so the page's first load does not carry it.
 */
import { Compartment, type Extension } from '@codemirror/state'
import { keymap, type EditorView } from '@codemirror/view'

export function findAndReplace(): Extension {
  const compartment = new Compartment()
  let loading: Promise<void> | undefined
  const open = (view: EditorView) => {
    loading ??= import('@codemirror/search').then(({ search, searchKeymap }) => {
      view.dispatch({ effects: compartment.reconfigure([search({ top: true }), keymap.of(searchKeymap)]) })
    })
    void loading.then(() => import('@codemirror/search')).then(({ openSearchPanel }) => openSearchPanel(view))
    // Handled either way: the browser's own find would search only the lines on screen.
    return true
  }
  return [compartment.of([]), keymap.of([{ key: 'Mod-f', run: open, preventDefault: true }])]
}
