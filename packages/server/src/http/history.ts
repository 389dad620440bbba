/**
 * The history routes (design.md "History"): a room's versions, its text at a version or an
 * instant, naming the current state, and restoring a version as one ordinary new change.
 * History is only ever added to: a restore is a change like any other, followed by a version.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Version, VersionChanges } from '@cowrite/protocol'
import { actingUser, type Grant } from '../auth/authorize.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import { textOf } from '../rooms/stored-text.js'
import { publicVersion, type StoredVersion } from '../storage/history.js'
import type { Storage } from '../storage/storage.js'
import { attributedChanges } from '../storage/version-diff.js'
import { readJsonObject } from './body.js'
import { HttpError } from './http-error.js'
import { changeAs, withRoom } from './room-changes.js'
import { sendJson } from './json.js'

export interface HistoryContext {
  registry: RoomRegistry
  storage: Storage
  maxBody: number
}

/** The longest version name. */
const MAX_VERSION_NAME = 100

/** ISO 8601 date-times `Date.parse` reads the same everywhere: a date, a time, and a zone or none. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/

/** `POST …/restore`'s answer. */
export interface RestoreBody {
  restored: number
  inserted: number
  deleted: number
  length: number
  /** The version recorded after the restore; null when the text already was that version's. */
  version: Version | null
}

export function createHistoryRoutes({ registry, storage, maxBody }: HistoryContext) {
  const { history } = storage

  async function existing(room: string): Promise<void> {
    if (!registry.get(room) && !(await storage.get(room)) && (await history.versions(room)).length === 0) {
      throw new HttpError(404, `room ${room} not found`)
    }
  }

  async function versionOf(room: string, value: unknown): Promise<StoredVersion> {
    const id = typeof value === 'string' && /^[1-9]\d{0,15}$/.test(value) ? Number(value) : value
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw new HttpError(400, `version must be a positive integer, not ${JSON.stringify(value)}`)
    const version = await history.version(room, id)
    if (!version) throw new HttpError(404, `room ${room} has no version ${id}`)
    return version
  }

  async function textAt(room: string, upto: number): Promise<string> {
    return textOf(await history.stateAt(room, upto))
  }

  return {
    /** `GET …/versions`: newest first. */
    async list(response: ServerResponse, room: string): Promise<void> {
      await existing(room)
      sendJson(response, 200, (await history.versions(room)).map(publicVersion))
    },

    /** `GET …/text?version=` or `?at=`: the text then, exact to the stored change. */
    async text(response: ServerResponse, room: string, url: URL): Promise<void> {
      const version = url.searchParams.get('version')
      const at = url.searchParams.get('at')
      if (version !== null && at !== null) throw new HttpError(400, 'ask for a version or an instant (at), not both')
      await existing(room)
      let upto: number
      if (version !== null) upto = (await versionOf(room, version)).upto
      else {
        const instant = ISO_INSTANT.test(at!) ? Date.parse(at!) : NaN
        if (Number.isNaN(instant)) throw new HttpError(400, `at must be an ISO 8601 date-time such as 2026-12-01T10:30:00Z, not ${JSON.stringify(at)}`)
        upto = await history.changeAt(room, instant)
      }
      const text = await textAt(room, upto)
      response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) })
      response.end(text)
    },

    /**
     * `GET …/changes?version=`: the version's text with what changed since the previous version
     * marked and attributed (beyond design.md: what the viewer's History panel shows).
     */
    async changes(response: ServerResponse, room: string, url: URL): Promise<void> {
      await existing(room)
      const version = await versionOf(room, url.searchParams.get('version'))
      const versions = await history.versions(room)
      const previous = versions.find((other) => other.id < version.id) ?? null
      const after = previous?.upto ?? 0
      const base = await history.stateAt(room, after)
      const parts = attributedChanges(base, await history.changesBetween(room, after, version.upto))
      const body: VersionChanges = { version: publicVersion(version), previous: previous && publicVersion(previous), parts }
      sendJson(response, 200, body)
    },

    /** `POST …/versions` `{ "name": "…" }`: the current state, named. */
    async name(request: IncomingMessage, response: ServerResponse, room: string, grant: Grant): Promise<void> {
      const { name } = await readJsonObject(request, maxBody)
      const trimmed = typeof name === 'string' ? name.replace(/\s+/g, ' ').trim() : ''
      if (trimmed === '' || trimmed.length > MAX_VERSION_NAME) throw new HttpError(400, `name must be a string of 1 to ${MAX_VERSION_NAME} characters`)
      const version = await withRoom(registry, room, (loaded) => registry.versions.record(loaded, trimmed, actingUser(grant)))
      sendJson(response, 201, publicVersion(version!))
    },

    /** `POST …/restore` `{ "version": id }`: the text becomes that version's, as one new change. */
    async restore(request: IncomingMessage, response: ServerResponse, room: string, grant: Grant): Promise<void> {
      const body = await readJsonObject(request, maxBody)
      const target = await versionOf(room, body.version)
      const text = await textAt(room, target.upto)
      const answer = await withRoom(registry, room, async (loaded): Promise<RestoreBody> => {
        // The text already is the version's: nothing to store, nothing to report.
        if (loaded.text() === text) return { restored: target.id, inserted: 0, deleted: 0, length: loaded.length, version: null }
        const user = actingUser(grant)
        const counts = await changeAs(
          loaded,
          user,
          (writer) => {
            loaded.replaceText(text, writer)
            return true
          },
          (inserted, deleted) => registry.note(loaded, { type: 'restore', version: target.id, inserted, deleted, length: loaded.length }, user),
        )
        const version = await registry.versions.record(loaded, null, user)
        return { restored: target.id, ...counts, length: loaded.length, version: version ? publicVersion(version) : null }
      })
      sendJson(response, 200, answer)
    },
  }
}
