/**
 * Ctrl+B and Ctrl+I (Cmd on a Mac): wrap each selection in `**` or `*`, or unwrap it when it is
 * already wrapped; on an empty selection, insert the pair with the cursor between.
 */
import { EditorSelection, type EditorState } from '@codemirror/state'
import type { Command, KeyBinding } from '@codemirror/view'

/** Whether the text just around `from`–`to` is `mark` on both sides (and, for `*`, not `**`). */
function wrappedIn(state: EditorState, from: number, to: number, mark: string): boolean {
  const before = state.sliceDoc(from - mark.length, from)
  const after = state.sliceDoc(to, to + mark.length)
  if (before !== mark || after !== mark) return false
  if (mark === '*') return state.sliceDoc(from - 2, from) !== '**' || state.sliceDoc(to, to + 2) !== '**' || wrappedIn(state, from - 2, to + 2, '*')
  return true
}

/** A command toggling `mark` around every selection range. */
export function toggleMark(mark: string): Command {
  return (view) => {
    if (view.state.readOnly) return false
    const { state } = view
    view.dispatch(
      state.changeByRange((range) => {
        if (wrappedIn(state, range.from, range.to, mark)) {
          return {
            changes: [
              { from: range.from - mark.length, to: range.from },
              { from: range.to, to: range.to + mark.length },
            ],
            range: EditorSelection.range(range.anchor - mark.length, range.head - mark.length),
          }
        }
        return {
          changes: [
            { from: range.from, insert: mark },
            { from: range.to, insert: mark },
          ],
          range: EditorSelection.range(range.anchor + mark.length, range.head + mark.length),
        }
      }),
      { userEvent: 'input.format', scrollIntoView: true },
    )
    return true
  }
}

export const formattingKeymap: readonly KeyBinding[] = [
  { key: 'Mod-b', run: toggleMark('**'), preventDefault: true },
  { key: 'Mod-i', run: toggleMark('*'), preventDefault: true },
]
