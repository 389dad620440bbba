/**
 * The room operations over HTTP (design.md "Room operations"): the whole document out and a Yjs
 * update in (`GET`/`POST …/update`), the text replaced through one minimal change
 * (`PUT …/text`), and the room deleted (`DELETE /api/rooms/<room>`).
 *
 * A write goes through the room exactly like an editor's update: decoded whole before it is
 * applied, stored before it is relayed to every peer, and answered only once stored. Its origin is
 * a `Writer` naming the token's user, so the history and the `edit` activity event carry that user.
 * How a deletion copes with loads and commits in progress is the registry's (rooms/room-registry.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import * as Y from 'yjs'
import { actingUser, type Grant } from '../auth/authorize.js'
import type { Logger } from '../log.js'
import type { Room } from '../rooms/room.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import type { Writer } from '../rooms/writer.js'
import { compactUpdates } from '../storage/compact.js'
import type { Storage } from '../storage/storage.js'
import { ProtocolError } from '../sync/messages.js'
import { readBody } from './body.js'
import { HttpError } from './http-error.js'
import { changeAs, withRoom } from './room-changes.js'
import { sendJson } from './json.js'

export interface RoomWritesContext {
  registry: RoomRegistry
  storage: Storage
  log: Logger
  /** Bytes a request body may have (`--max-message`): more is 413. */
  maxBody: number
}

/** `PUT …/text`'s answer: the new length and the characters the minimal change inserted and deleted. */
export interface TextWriteBody {
  length: number
  inserted: number
  deleted: number
}

/** Strict UTF-8: a body that is not valid UTF-8 is refused rather than patched with U+FFFD. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export function createRoomWrites({ registry, storage, log, maxBody }: RoomWritesContext) {
  async function existing(name: string): Promise<void> {
    if (!registry.get(name) && !(await storage.get(name))) throw new HttpError(404, `room ${name} not found`)
  }

  /** One change by `grant`'s user, reported as an `edit` once stored. */
  function write(room: Room, grant: Grant, change: (writer: Writer) => boolean): Promise<{ inserted: number; deleted: number }> {
    const user = actingUser(grant)
    return changeAs(room, user, change, (inserted, deleted) => registry.wrote(room, inserted, deleted, user))
  }

  return {
    /** `GET …/update`: the stored document as one update (the live one once everything is stored). */
    async state(response: ServerResponse, name: string): Promise<void> {
      await existing(name)
      const room = registry.get(name)
      let update: Uint8Array
      try {
        update = room?.isStored ? room.encodedState() : compactUpdates(await storage.load(name))
      } catch (error) {
        log.error({ room: name, err: error }, 'stored state could not be read')
        throw new HttpError(503, `room ${name} could not be read from storage`)
      }
      response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': update.byteLength })
      response.end(update)
    },

    /** `POST …/update`: a binary Yjs update, decoded whole first; `{ length }` once stored. */
    async applyUpdate(request: IncomingMessage, response: ServerResponse, name: string, grant: Grant): Promise<void> {
      const update = new Uint8Array(await readBody(request, maxBody))
      try {
        // A truncated update can integrate some structs and throw afterwards: decode it all first.
        Y.decodeUpdate(update)
      } catch (error) {
        throw new HttpError(400, `body is not a Yjs update: ${(error as Error).message}`)
      }
      const length = await withRoom(registry, name, async (room) => {
        try {
          await write(room, grant, (writer) => room.applyUpdate(update, writer))
        } catch (error) {
          if (error instanceof ProtocolError) throw new HttpError(400, error.message)
          throw error
        }
        return room.length
      })
      sendJson(response, 200, { length })
    },

    /** `PUT …/text`: the body (UTF-8) becomes the text through one minimal change. */
    async replaceText(request: IncomingMessage, response: ServerResponse, name: string, grant: Grant): Promise<void> {
      const body = await readBody(request, maxBody)
      let text: string
      try {
        text = UTF8.decode(body)
      } catch {
        throw new HttpError(400, 'body is not valid UTF-8 text')
      }
      const answer = await withRoom(registry, name, async (room): Promise<TextWriteBody> => {
        const counts = await write(room, grant, (writer) => {
          if (room.text() === text) return false
          room.replaceText(text, writer)
          return true
        })
        return { length: room.length, ...counts }
      })
      sendJson(response, 200, answer)
    },

    /** `DELETE /api/rooms/<room>` (admin): everything of the room goes; `{ deleted }` once it has. */
    async delete(response: ServerResponse, name: string, grant: Grant): Promise<void> {
      let existed: boolean
      try {
        existed = await registry.delete(name, actingUser(grant))
      } catch (error) {
        log.error({ room: name, err: error }, 'room could not be deleted from storage')
        throw new HttpError(503, `room ${name} could not be deleted from storage; try again`)
      }
      if (!existed) throw new HttpError(404, `room ${name} not found`)
      sendJson(response, 200, { deleted: name })
    },
  }
}
