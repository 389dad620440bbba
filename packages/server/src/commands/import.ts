/**
 * `cowrite import FILE`: rooms into Cowrite from a file `cowrite export` wrote (or any text or Yjs
 * update). Into a running server always through its API, so every connected client gets the
 * change at once and nothing is written under the server's feet: a Yjs state is POSTed as an
 * update, a text is PUT (one minimal change). Into a stopped server's data directory straight
 * into its SQLite file, applied the same way (store-files.ts), refused while a server has it open.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { isValidRoomName } from '@cowrite/protocol'
import { CommandError, serverApi, setting, storeLocation, type Environment } from './command.js'
import { decodeRoomsJson, formatOfFile, parseFormat, type Format } from './room-file.js'
import { writeStore, type RoomImport } from './store-files.js'

export const IMPORT_USAGE = `Usage: cowrite import FILE [--room ROOM] [--format text|yjs|json]
                      [--url URL [--token TOKEN] | --data DIR]

Reads rooms from FILE; without --format the extension tells: .json, .yjs, .txt.
  --format json   every room in the file (only --room, if given), each merged in as its Yjs state
  --format yjs    a Yjs update merged into --room (needed)
  --format text   the text --room (needed) is to have: it replaces the room's text
A Yjs state (json, yjs) merges: into a room that does not exist, or the room it was exported
from, the text comes out exactly as exported. Text replaces whatever the room held.

Where to: a running server through its API with --url (the way to import while it runs), else
the SQLite store of a stopped server (refused while one has it open).
  --url URL       the running server, e.g. http://127.0.0.1:1234 [COWRITE_URL]
  --token TOKEN   a token with the edit role for the rooms [COWRITE_TOKEN]
  --data DIR      the data directory of a stopped server [COWRITE_DATA] (./data)
  --storage KIND  sqlite (default); for postgres://… import through a running instance (--url) [COWRITE_STORAGE]
  -h, --help      show this help
`

export async function importRooms(args: string[], env: Environment, out: (line: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      room: { type: 'string' },
      format: { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
      data: { type: 'string' },
      storage: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) return out(IMPORT_USAGE)
  if (positionals.length !== 1) throw new CommandError('cowrite import needs one FILE to read', 2)
  const file = positionals[0]!
  const format: Format = values.format === undefined ? formatOfFile(file) : parseFormat(values.format)
  const room = values.room
  if (room !== undefined && !isValidRoomName(room)) throw new CommandError(`invalid room name ${JSON.stringify(room)}`, 2)
  if (format !== 'json' && room === undefined) throw new CommandError(`--format ${format} imports into one room: give --room`, 2)
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (error) {
    throw new CommandError(`cannot read ${file}: ${(error as Error).message}`)
  }
  const imports = readImports(bytes, format, file, room)

  const url = setting(values.url, env, 'url')
  if (url) {
    const call = serverApi(url, setting(values.token, env, 'token'))
    for (const one of imports) {
      const answer =
        'state' in one
          ? await call('POST', `/api/rooms/${one.name}/update`, one.state, 'application/octet-stream')
          : await call('PUT', `/api/rooms/${one.name}/text`, one.text, 'text/plain; charset=utf-8')
      const { length } = (await answer.json()) as { length: number }
      out(`imported ${one.name} (${length} characters)\n`)
    }
    return
  }
  const location = storeLocation(setting(values.data, env, 'data'), setting(values.storage, env, 'storage'))
  for (const { name, length } of await writeStore(location, imports)) out(`imported ${name} (${length} characters) into ${location.kind === 'sqlite' ? location.path : 'the store'}\n`)
}

function readImports(bytes: Buffer, format: Format, file: string, room: string | undefined): RoomImport[] {
  if (format === 'text') {
    try {
      return [{ name: room!, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) }]
    } catch {
      throw new CommandError(`${file} is not valid UTF-8 text`)
    }
  }
  if (format === 'yjs') return [{ name: room!, state: new Uint8Array(bytes) }]
  const rooms = decodeRoomsJson(bytes.toString('utf8'), file)
  const chosen = room === undefined ? rooms : rooms.filter((one) => one.name === room)
  if (chosen.length === 0) throw new CommandError(room === undefined ? `${file} holds no rooms` : `${file} holds no room ${room}`)
  return chosen.map(({ name, state }) => ({ name, state }))
}
