/**
 * The commands' own access to a store that no server may be writing to at the same moment:
 * reading every room of an SQLite file read-only in one transaction (a running server may keep
 * writing: the read sees one consistent state), reading a PostgreSQL store through its own code,
 * and writing into a stopped server's SQLite file under an exclusive lock, so a server running on
 * it is detected (and refused) rather than written under.
 */
import { existsSync } from 'node:fs'
import Database from 'better-sqlite3'
import * as Y from 'yjs'
import { CONTENT, META, TITLE, summarizeTitle } from '@cowrite/protocol'
import { textOf } from '../rooms/stored-text.js'
import { replaceTextMinimally } from '../rooms/text-diff.js'
import { compactUpdates } from '../storage/compact.js'
import { createPostgresStorage } from '../storage/postgres.js'
import { SCHEMA_VERSION, createRoomReader, createSqliteStorage } from '../storage/sqlite.js'
import type { Storage } from '../storage/storage.js'
import { CommandError, type StoreLocation } from './command.js'
import type { RoomRecord } from './room-file.js'

/** Every room of the store (or the one named), with its text and state. */
export async function readStore(location: StoreLocation, only: string | undefined): Promise<RoomRecord[]> {
  if (location.kind === 'postgres') {
    const storage = await createPostgresStorage({ url: location.url }).catch((error: unknown) => {
      throw new CommandError(`cannot open the PostgreSQL store: ${(error as Error).message}`)
    })
    try {
      const names = only === undefined ? (await storage.list()).map((room) => room.name) : [only]
      const rooms: RoomRecord[] = []
      for (const name of names) rooms.push(record(name, await storage.load(name)))
      return rooms
    } finally {
      await storage.close()
    }
  }
  if (!existsSync(location.path)) throw new CommandError(`no store at ${location.path} (give --data DIR, the server's data directory)`)
  const db = new Database(location.path, { readonly: true, fileMustExist: true })
  try {
    const version = db.pragma('user_version', { simple: true }) as number
    if (version !== SCHEMA_VERSION) throw new CommandError(`${location.path} has schema version ${version}; this Cowrite reads version ${SCHEMA_VERSION} (start the server once to migrate it)`)
    const names = db.prepare<[], { name: string }>('SELECT name FROM rooms ORDER BY name')
    const readRoom = createRoomReader(db)
    // One read transaction: a server compacting or appending meanwhile is not seen half done.
    const read = db.transaction((): Array<{ name: string; updates: Uint8Array[] }> => {
      const rooms = only === undefined ? names.all().map((row) => row.name) : [only]
      return rooms.map((name) => ({ name, updates: readRoom(name).updates }))
    })
    return read().map(({ name, updates }) => record(name, updates))
  } finally {
    db.close()
  }
}

function record(name: string, updates: readonly Uint8Array[]): RoomRecord {
  const state = compactUpdates(updates)
  return { name, text: textOf([state]), state }
}

/** What one room gets on import: a Yjs state merged in, or a text that replaces the room's. */
export type RoomImport = { name: string; state: Uint8Array } | { name: string; text: string }

/**
 * Write rooms into a stopped server's SQLite file (created if missing), each as one change by
 * nobody known, exactly as if it had been sent. Refused while a server has the file open.
 */
export async function writeStore(location: StoreLocation, imports: readonly RoomImport[]): Promise<Array<{ name: string; length: number }>> {
  if (location.kind === 'postgres') {
    throw new CommandError('importing into PostgreSQL goes through a running instance: give --url (and --token) instead of --storage', 2)
  }
  if (existsSync(location.path)) refuseIfOpen(location.path)
  const storage = createSqliteStorage({ path: location.path })
  try {
    const results: Array<{ name: string; length: number }> = []
    for (const room of imports) results.push(await importRoom(storage, room))
    return results
  } finally {
    await storage.close()
  }
}

/**
 * Refuse a file another connection has open (a running server): a connection in exclusive
 * locking mode, set before its first read, cannot get its lock while any other holds the file.
 */
function refuseIfOpen(path: string): void {
  const probe = new Database(path, { fileMustExist: true, timeout: 0 })
  try {
    probe.pragma('locking_mode = EXCLUSIVE')
    probe.exec('BEGIN EXCLUSIVE; COMMIT')
  } catch (error) {
    throw new CommandError(`${path} is in use (${(error as Error).message}): a server is running on it; import through it with --url, or stop it first`)
  } finally {
    probe.close()
  }
}

async function importRoom(storage: Storage, room: RoomImport): Promise<{ name: string; length: number }> {
  const doc = new Y.Doc()
  try {
    const stored = await storage.load(room.name)
    doc.transact(() => {
      for (const update of stored) Y.applyUpdate(doc, update)
    })
    const made: Uint8Array[] = []
    doc.on('update', (update: Uint8Array) => made.push(update))
    if ('state' in room) Y.applyUpdate(doc, room.state)
    else doc.transact(() => replaceTextMinimally(doc.getText(CONTENT), room.text))
    const length = doc.getText(CONTENT).length
    if (made.length > 0) {
      const update = made.length === 1 ? made[0]! : Y.mergeUpdates(made)
      await storage.append([{ room: room.name, changes: [{ update, author: null }], length, title: summarizeTitle(doc.getMap(META).get(TITLE)) }])
    }
    return { name: room.name, length }
  } finally {
    doc.destroy()
  }
}
