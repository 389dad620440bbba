/**
 * The text of stored updates, for answers that must show only what is durable (the text route
 * while a room's writes are failing) without touching the live room.
 */
import * as Y from 'yjs'
import { CONTENT } from '@cowrite/protocol'

export function textOf(updates: readonly Uint8Array[]): string {
  const doc = new Y.Doc()
  try {
    doc.transact(() => {
      for (const update of updates) Y.applyUpdate(doc, update)
    })
    return doc.getText(CONTENT).toString()
  } finally {
    doc.destroy()
  }
}
