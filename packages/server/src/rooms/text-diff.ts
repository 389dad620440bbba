/**
 * Making a Y.Text read like a given string with as small a change as a text diff finds
 * (fast-diff, the diff-match-patch algorithm), so everything the diff keeps keeps its identity:
 * other people's cursors there stay put, and their concurrent typing merges around the change.
 */
import diff from 'fast-diff'
import type * as Y from 'yjs'

/** Apply the diff from `text`'s current content to `target`; call inside a transaction. */
export function replaceTextMinimally(text: Y.Text, target: string): void {
  let index = 0
  for (const [operation, part] of diff(text.toString(), target)) {
    if (operation === diff.EQUAL) index += part.length
    else if (operation === diff.DELETE) text.delete(index, part.length)
    else {
      text.insert(index, part)
      index += part.length
    }
  }
}
