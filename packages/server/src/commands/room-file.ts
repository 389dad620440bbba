/**
 * The files `cowrite export` writes and `cowrite import` reads, one format each:
 *
 *   text  one room's text, exactly (UTF-8, nothing added: no trailing newline)
 *   yjs   one room's whole document as one binary Yjs update
 *   json  any number of rooms: {"cowrite":"rooms","version":1,"exportedAt":ISO,
 *         "rooms":[{"name","text","state": base64 Yjs update}]}
 *
 * `encodeRoomsJson` and `decodeRoomsJson` are a pair; a JSON file that does not read back as
 * rooms is refused with a message naming what is wrong.
 */
import { extname } from 'node:path'
import * as Y from 'yjs'
import { isValidRoomName } from '@cowrite/protocol'
import { CommandError } from './command.js'

export const FORMATS = ['text', 'yjs', 'json'] as const
export type Format = (typeof FORMATS)[number]

/** One room as a file carries it. */
export interface RoomRecord {
  name: string
  text: string
  /** The whole document as one Yjs update. */
  state: Uint8Array
}

export function parseFormat(value: string): Format {
  if ((FORMATS as readonly string[]).includes(value)) return value as Format
  throw new CommandError(`--format must be text, yjs or json, got ${JSON.stringify(value)}`, 2)
}

/** The format a file's extension names: .json, .yjs, .txt (also .text, .md). */
export function formatOfFile(path: string): Format {
  const extension = extname(path).toLowerCase()
  if (extension === '.json') return 'json'
  if (extension === '.yjs') return 'yjs'
  if (extension === '.txt' || extension === '.text' || extension === '.md') return 'text'
  throw new CommandError(`cannot tell the format of ${path} from its extension (.json, .yjs, .txt): give --format`, 2)
}

export function encodeRoomsJson(rooms: readonly RoomRecord[], exportedAt = new Date()): string {
  const body = {
    cowrite: 'rooms',
    version: 1,
    exportedAt: exportedAt.toISOString(),
    rooms: rooms.map(({ name, text, state }) => ({ name, text, state: Buffer.from(state).toString('base64') })),
  }
  return `${JSON.stringify(body, null, 2)}\n`
}

export function decodeRoomsJson(json: string, source: string): RoomRecord[] {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch (error) {
    throw new CommandError(`${source} is not JSON: ${(error as Error).message}`)
  }
  const body = value as { cowrite?: unknown; version?: unknown; rooms?: unknown }
  if (typeof body !== 'object' || body === null || body.cowrite !== 'rooms' || !Array.isArray(body.rooms)) {
    throw new CommandError(`${source} is not a Cowrite rooms export (expected {"cowrite":"rooms","rooms":[…]})`)
  }
  if (body.version !== 1) throw new CommandError(`${source} is a rooms export of version ${String(body.version)}; this Cowrite reads version 1`)
  return body.rooms.map((room: unknown, index: number) => {
    const { name, text, state } = (room ?? {}) as Record<string, unknown>
    if (typeof name !== 'string' || !isValidRoomName(name)) throw new CommandError(`${source}: room ${index} has no valid name`)
    if (typeof text !== 'string' || typeof state !== 'string') throw new CommandError(`${source}: room ${name} needs a text and a base64 state`)
    const bytes = new Uint8Array(Buffer.from(state, 'base64'))
    try {
      Y.decodeUpdate(bytes)
    } catch (error) {
      throw new CommandError(`${source}: the state of room ${name} is not a Yjs update: ${(error as Error).message}`)
    }
    return { name, text, state: bytes }
  })
}
