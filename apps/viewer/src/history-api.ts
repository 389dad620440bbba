/**
 * The history routes as the History panel uses them (design.md "History"): the room's versions,
 * one version's text with what changed since the previous one, and restoring a version.
 */
import type { Version, VersionChanges } from '@cowrite/protocol'
import { requestJson, type ViewerContext } from './api.js'

const roomPath = (room: string) => `/api/rooms/${encodeURIComponent(room)}`

/** Newest first. */
export function fetchVersions(context: ViewerContext, room: string): Promise<Version[]> {
  return requestJson(context, `${roomPath(room)}/versions`)
}

export function fetchChanges(context: ViewerContext, room: string, version: number): Promise<VersionChanges> {
  return requestJson(context, `${roomPath(room)}/changes?version=${version}`)
}

/** What a restore did: characters inserted and deleted, and the version recorded after it (null: nothing changed). */
export interface Restored {
  inserted: number
  deleted: number
  length: number
  version: Version | null
}

export function restoreVersion(context: ViewerContext, room: string, version: number): Promise<Restored> {
  return requestJson(context, `${roomPath(room)}/restore`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ version }),
  })
}

/** Record the room's current state as a version named `name` (edit role). */
export function nameVersion(context: ViewerContext, room: string, name: string): Promise<Version> {
  return requestJson(context, `${roomPath(room)}/versions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name }),
  })
}
