/**
 * Who is in the room: the awareness states with a `user`, and where each one's cursor is.
 * Rendering them is the app's business.
 */
import { readAwarenessUser } from '@cowrite/protocol'
import * as Y from 'yjs'
import type { RoomSession, UserInfo } from './connect-room.js'
import { colorForName } from './user-color.js'

export interface Peer {
  clientId: number
  /** The name and colour as everyone sees them (no `colorLight`). */
  user: UserInfo
  /** This browser tab. */
  self: boolean
  /** Index of the caret in the text, if the peer has one there. */
  cursor: number | null
}

interface CursorState {
  anchor?: unknown
  head?: unknown
}

/**
 * Everyone in the room with a user, this tab first, then by name. Users are read by the
 * protocol's one rule (`readAwarenessUser`: names capped, colours checked), as the server reads
 * them; one without a usable colour gets the colour picked from its name.
 */
export function listPeers(session: RoomSession): Peer[] {
  const peers: Peer[] = []
  session.awareness.getStates().forEach((state, clientId) => {
    const user = readAwarenessUser(state)
    if (!user) return
    peers.push({
      clientId,
      user: { name: user.name, color: user.color ?? colorForName(user.name) },
      self: clientId === session.doc.clientID,
      cursor: cursorIndex(session, (state as { cursor?: CursorState }).cursor),
    })
  })
  return peers.sort((a, b) => Number(b.self) - Number(a.self) || a.user.name.localeCompare(b.user.name) || a.clientId - b.clientId)
}

function cursorIndex(session: RoomSession, cursor: CursorState | null | undefined): number | null {
  if (!cursor?.head) return null
  try {
    const position = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(cursor.head), session.doc)
    return position && position.type === session.text ? position.index : null
  } catch {
    return null
  }
}

/** Call `listener` whenever someone arrives, leaves, renames or moves; returns the unsubscribe function. */
export function onPeers(session: RoomSession, listener: (peers: Peer[]) => void): () => void {
  const changed = () => listener(listPeers(session))
  session.awareness.on('change', changed)
  return () => session.awareness.off('change', changed)
}
