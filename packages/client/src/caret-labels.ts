/**
 * Remote caret labels that do not sit on the text. A label is drawn just above its caret, over
 * the line above, so it shows only while someone else is active (a change of their awareness
 * state, or a change of the text from elsewhere: a caret at the end of the text keeps its
 * awareness state while its owner types) and for a moment after, and on hover; an idle room shows bare carets, whose
 * colours the presence bar names. Label text is white on the user's colour (USER_COLORS are dark
 * enough for 4.5:1).
 */
import type { Extension } from '@codemirror/state'
import { EditorView, ViewPlugin } from '@codemirror/view'
import type { Awareness } from 'y-protocols/awareness'
import type * as Y from 'yjs'

/** How long labels stay after the last remote activity. */
const SHOWN_MS = 2500
/**
 * Set on the scroller while labels are shown: the editor's own element is not ours to mark
 * (CodeMirror rewrites its class attribute on updates).
 */
const ACTIVE = 'remoteActive'

const theme = EditorView.theme({
  '.cm-ySelectionCaret .cm-ySelectionInfo': {
    opacity: 0,
    fontFamily: 'inherit',
    fontSize: '0.7em',
    lineHeight: '1.25',
    top: '-1.35em',
    padding: '0 0.35em',
    borderRadius: '3px 3px 3px 0',
    color: 'white',
    pointerEvents: 'none',
    transition: 'opacity 0.25s ease-in-out',
  },
  '.cm-scroller[data-remote-active] .cm-ySelectionCaret .cm-ySelectionInfo, .cm-ySelectionCaret:hover .cm-ySelectionInfo': { opacity: 1 },
})

/** Labels for the carets of `awareness`'s other clients in `text`, shown while they are active. */
export function caretLabels(awareness: Awareness, text: Y.Text): Extension {
  const plugin = ViewPlugin.define((view) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const show = () => {
      view.scrollDOM.dataset[ACTIVE] = ''
      clearTimeout(timer)
      timer = setTimeout(() => delete view.scrollDOM.dataset[ACTIVE], SHOWN_MS)
    }
    const onChange = ({ added, updated }: { added: number[]; updated: number[] }) => {
      if ([...added, ...updated].some((clientId) => clientId !== awareness.clientID)) show()
    }
    const onText = (_event: Y.YTextEvent, transaction: Y.Transaction) => {
      if (!transaction.local) show()
    }
    awareness.on('change', onChange)
    text.observe(onText)
    return {
      destroy() {
        clearTimeout(timer)
        awareness.off('change', onChange)
        text.unobserve(onText)
      },
    }
  })
  return [theme, plugin]
}
