/**
 * `cowrite backup FILE`: a consistent copy of the whole SQLite store, taken while the server runs
 * and clients type (SQLite's online backup API through better-sqlite3: the copy is one state of the
 * database, whatever is written meanwhile). Restoring is stopping the server and putting the file
 * back as `<data>/cowrite.db`. A PostgreSQL store is backed up with its own tools (pg_dump).
 */
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import Database from 'better-sqlite3'
import { CommandError, setting, storeLocation, type Environment } from './command.js'

export const BACKUP_USAGE = `Usage: cowrite backup FILE [--data DIR] [--storage sqlite|postgres://…]

Copies the whole store (every room, its history and the activity log) into FILE, a new SQLite
file, consistently, while the server runs and people type. FILE must not exist yet.

  --data DIR      the server's data directory [COWRITE_DATA] (./data)
  --storage KIND  sqlite, or postgres://… (then use pg_dump: this command only explains) [COWRITE_STORAGE]
  -h, --help      show this help

Restore: stop the server, then put FILE back as DIR/cowrite.db (remove any cowrite.db-wal and
cowrite.db-shm left beside it) and start the server.
`

export async function backup(args: string[], env: Environment, out: (line: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { data: { type: 'string' }, storage: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  })
  if (values.help) return out(BACKUP_USAGE)
  const location = storeLocation(setting(values.data, env, 'data'), setting(values.storage, env, 'storage'))
  if (location.kind === 'postgres') {
    throw new CommandError(
      'a PostgreSQL store is backed up with pg_dump, which takes a consistent snapshot while the servers run: ' +
        'pg_dump --format=custom --schema=cowrite --file=cowrite.dump "$DATABASE_URL" (restore with pg_restore; see docs/self-hosting.md)',
      2,
    )
  }
  if (positionals.length !== 1) throw new CommandError('cowrite backup needs one FILE to write the copy to', 2)
  const target = resolve(positionals[0]!)
  if (existsSync(target)) throw new CommandError(`${target} exists already: back up into a new file`)
  if (!existsSync(location.path)) throw new CommandError(`no store at ${location.path} (give --data DIR, the server's data directory)`)
  const started = Date.now()
  const db = new Database(location.path, { readonly: true, fileMustExist: true })
  try {
    // A write by the server between two steps restarts the copy from its start, so the file is
    // always one state of the database; after the first step the rest goes in one step (a WAL
    // reader blocks no writer, and only this process waits for it), so typing never starves it.
    await db.backup(target, { progress: ({ totalPages }) => Math.max(totalPages, 100) })
  } catch (error) {
    throw new CommandError(`backup of ${location.path} into ${target} failed: ${(error as Error).message}`)
  } finally {
    db.close()
  }
  out(`backed up ${location.path} to ${target} (${statSync(target).size} bytes in ${Date.now() - started} ms)\n`)
}
