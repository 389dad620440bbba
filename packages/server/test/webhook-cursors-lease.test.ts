/**
 * Webhook cursors in every store (storage/webhook-cursors.ts): a URL first seen starts at the
 * given id; one owner holds its lease at a time, the other is refused until it expires or is
 * released; only the holder moves the cursor, and a cursor survives reopening the store. With
 * PostgreSQL, two stores (as two instances) contend for one URL.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { usePostgresCluster } from '@cowrite/testing'
import { createMemoryStorage } from '../src/storage/memory.js'
import { createPostgresStorage } from '../src/storage/postgres.js'
import { createSqliteStorage } from '../src/storage/sqlite.js'
import type { Storage } from '../src/storage/storage.js'
import { tempDir } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'

const scope = useScope()
const postgres = usePostgresCluster()
const URL_A = 'http://127.0.0.1:1/hook'

/** Two handles on one store (two instances), and a way to reopen it. */
type Opened = { a: Storage; b: Storage; reopen: () => Promise<Storage> | undefined }

const STORES: Array<[string, () => Promise<Opened>]> = [
  [
    'memory',
    async () => {
      const a = createMemoryStorage()
      return { a, b: a, reopen: () => undefined }
    },
  ],
  [
    'SQLite',
    async () => {
      const path = join(tempDir(scope), 'cowrite.db')
      const a = createSqliteStorage({ path })
      const b = createSqliteStorage({ path })
      return { a, b, reopen: async () => createSqliteStorage({ path }) }
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const url = await postgres.database()
      const [a, b] = await Promise.all([createPostgresStorage({ url }), createPostgresStorage({ url })])
      return { a, b, reopen: () => createPostgresStorage({ url }) }
    },
  ],
]

describe.each(STORES)('webhook cursors in the %s store', (_name, open) => {
  it('start where told, lease to one owner at a time, move only for the holder, and last', async () => {
    const { a, b, reopen } = await open()
    scope.defer(async () => {
      await a.close()
      if (b !== a) await b.close()
    })
    const later = Date.now() + 60_000
    expect(await a.webhooks.claim(URL_A, 'one', later, 41)).toEqual({ delivered: 41 })
    // Another owner is refused while the lease lasts; the start it offers changes nothing.
    expect(await b.webhooks.claim(URL_A, 'two', later, 99)).toBeNull()
    expect(await b.webhooks.advance(URL_A, 'two', 50)).toBe(false)
    expect(await a.webhooks.advance(URL_A, 'one', 45)).toBe(true)
    expect(await a.webhooks.claim(URL_A, 'one', later, 0)).toEqual({ delivered: 45 })
    // Released: the other takes over where the first left off.
    await a.webhooks.release(URL_A, 'one')
    expect(await b.webhooks.claim(URL_A, 'two', later, 0)).toEqual({ delivered: 45 })
    expect(await a.webhooks.advance(URL_A, 'one', 46)).toBe(false)
    // An expired lease is free too.
    expect(await b.webhooks.claim(URL_A, 'two', Date.now() - 1, 0)).toEqual({ delivered: 45 })
    expect(await a.webhooks.claim(URL_A, 'one', later, 0)).toEqual({ delivered: 45 })

    const again = await reopen()
    if (again) {
      scope.defer(() => again.close())
      await a.webhooks.release(URL_A, 'one')
      expect(await again.webhooks.claim(URL_A, 'three', later, 0)).toEqual({ delivered: 45 })
    }
  })
})
