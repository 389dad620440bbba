/**
 * `cowrite export`: rooms out of Cowrite, as text, a Yjs update or JSON (room-file.ts). From a
 * running server through its API when `--url` is given (what it has stored, as its readers see
 * it), else from the store directly, read-only and consistent (store-files.ts).
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { isValidRoomName, type RoomSummary } from '@cowrite/protocol'
import { CommandError, serverApi, setting, storeLocation, type Environment } from './command.js'
import { textOf } from '../rooms/stored-text.js'
import { encodeRoomsJson, parseFormat, type Format, type RoomRecord } from './room-file.js'
import { readStore } from './store-files.js'

export const EXPORT_USAGE = `Usage: cowrite export [--room ROOM] [--format text|yjs|json] [--out FILE]
                      [--url URL [--token TOKEN] | --data DIR | --storage postgres://…]

Writes rooms to FILE (default: standard output).
  --format json   every room (or only --room) with its text and its Yjs state (the default)
  --format text   one room's text, exactly as it is (no newline added); needs --room
  --format yjs    one room's whole document as one binary Yjs update; needs --room

Where from: a running server's API with --url (safe at any time), else the store itself, read
without writing (also safe while a server runs on it).
  --url URL       the running server, e.g. http://127.0.0.1:1234 [COWRITE_URL]
  --token TOKEN   a token whose rooms are exported (view role is enough) [COWRITE_TOKEN]
  --data DIR      the data directory of an SQLite store [COWRITE_DATA] (./data)
  --storage KIND  sqlite (default) or postgres://… [COWRITE_STORAGE]
  -h, --help      show this help
`

export async function exportRooms(args: string[], env: Environment, out: (text: string | Uint8Array) => void): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      room: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
      data: { type: 'string' },
      storage: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) return out(EXPORT_USAGE)
  const format: Format = values.format === undefined ? 'json' : parseFormat(values.format)
  const room = values.room
  if (room !== undefined && !isValidRoomName(room)) throw new CommandError(`invalid room name ${JSON.stringify(room)}`, 2)
  if (format !== 'json' && room === undefined) throw new CommandError(`--format ${format} exports one room: give --room`, 2)
  const url = setting(values.url, env, 'url')
  const rooms = url ? await fromServer(url, setting(values.token, env, 'token'), room) : await readStore(storeLocation(setting(values.data, env, 'data'), setting(values.storage, env, 'storage')), room)
  if (room !== undefined && rooms.length === 0) throw new CommandError(`room ${room} not found`)
  const bytes = format === 'json' ? encodeRoomsJson(rooms) : format === 'text' ? rooms[0]!.text : rooms[0]!.state
  if (values.out === undefined) return out(bytes)
  writeFileSync(values.out, bytes)
}

/** The rooms the server (and the token) lets us see, each as its stored state. */
async function fromServer(url: string, token: string | undefined, only: string | undefined): Promise<RoomRecord[]> {
  const call = serverApi(url, token)
  const names = only !== undefined ? [only] : ((await (await call('GET', '/api/rooms')).json()) as RoomSummary[]).map((room) => room.name)
  const rooms: RoomRecord[] = []
  for (const name of names) {
    let state: Uint8Array
    try {
      state = new Uint8Array(await (await call('GET', `/api/rooms/${name}/update`)).arrayBuffer())
    } catch (error) {
      // Listed but never stored (a room someone opened and left empty): nothing to export.
      if (only === undefined && error instanceof CommandError && / 404 /.test(error.message)) continue
      throw error
    }
    rooms.push({ name, text: textOf([state]), state })
  }
  return rooms
}
