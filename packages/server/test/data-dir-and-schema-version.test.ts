/**
 * First start and refusals: `cowrite serve --data DIR` creates a missing directory and a
 * versioned schema; a database of an unknown schema version, an SQLite file of another
 * application, or a file that is not a database is refused with a one-line reason and exit 1,
 * and left untouched.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { SCHEMA_VERSION, createSqliteStorage } from '../src/storage/sqlite.js'
import { SchemaError } from '../src/storage/storage.js'
import { runCowrite, startCowrite, tempDir } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { appendOf } from './helpers/appends.js'

const scope = useScope()

function userVersion(path: string): number {
  const db = new Database(path, { readonly: true })
  try {
    return db.pragma('user_version', { simple: true }) as number
  } finally {
    db.close()
  }
}

describe('the data directory', () => {
  it('is created with its parents when missing, holding a versioned schema', async () => {
    const data = join(tempDir(scope), 'a', 'b', 'data')
    const server = await startCowrite(scope, ['--data', data])
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)
    server.child.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)

    const path = join(data, 'cowrite.db')
    expect(userVersion(path)).toBe(SCHEMA_VERSION)
    const db = new Database(path, { readonly: true })
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    db.close()
    expect(tables.map(({ name }) => name)).toEqual(expect.arrayContaining(['rooms', 'snapshots', 'changes', 'checkpoints', 'versions', 'activity', 'webhooks']))
  })

  it('is created by the store itself when used programmatically', async () => {
    const path = join(tempDir(scope), 'nested', 'dir', 'cowrite.db')
    const storage = createSqliteStorage({ path })
    await storage.append([appendOf('r', [new Uint8Array([0, 0])], 0)])
    expect((await storage.get('r'))?.name).toBe('r')
    await storage.close()
    expect(userVersion(path)).toBe(SCHEMA_VERSION)
  })
})

describe('a database the server does not understand', () => {
  it('of a newer schema version is refused with a clear error, exit 1, and left untouched', async () => {
    const data = tempDir(scope)
    const path = join(data, 'cowrite.db')
    const db = new Database(path)
    db.exec('CREATE TABLE rooms (name TEXT PRIMARY KEY)')
    db.pragma('user_version = 99')
    db.close()
    const before = readFileSync(path)

    const { code, stdout, stderr } = await runCowrite(['serve', '--port', '0', '--data', data])
    expect(code).toBe(1)
    expect(stdout).not.toContain('listening')
    expect(stderr).toContain(`has Cowrite schema version 99, but this server only knows version ${SCHEMA_VERSION}`)
    expect(stderr).toContain(path)
    expect(stderr).not.toMatch(/\n\s+at /) // a sentence, not a stack trace
    expect(userVersion(path)).toBe(99)
    expect(readFileSync(path).equals(before)).toBe(true)

    expect(() => createSqliteStorage({ path })).toThrow(SchemaError)
  })

  it('of another application (tables but no version) is refused', async () => {
    const data = tempDir(scope)
    const path = join(data, 'cowrite.db')
    const db = new Database(path)
    db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY)')
    db.close()

    const { code, stderr } = await runCowrite(['serve', '--port', '0', '--data', data])
    expect(code).toBe(1)
    expect(stderr).toContain('without a Cowrite schema version')
    const check = new Database(path, { readonly: true })
    const tables = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()
    check.close()
    expect(tables).toEqual([{ name: 'invoices' }])
  })

  it('that is not a database at all is refused naming the file', async () => {
    const data = tempDir(scope)
    mkdirSync(data, { recursive: true })
    const path = join(data, 'cowrite.db')
    writeFileSync(path, 'this is a text file, not SQLite '.repeat(100))

    const { code, stderr } = await runCowrite(['serve', '--port', '0', '--data', data])
    expect(code).toBe(1)
    expect(stderr).toContain(`cannot open ${path}`)
    expect(stderr).toMatch(/not a database/)
    expect(readFileSync(path, 'utf8')).toBe('this is a text file, not SQLite '.repeat(100))
  })
})
