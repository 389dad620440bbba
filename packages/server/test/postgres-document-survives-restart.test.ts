/**
 * A real server on the PostgreSQL store, with stock y-websocket clients: a document outlives the
 * server that stored it; and a PostgreSQL that stops is reported like any failing store (the
 * writer closed with 1011, nothing relayed, /healthz 503), then the held edit is stored and
 * relayed once it is back, by the same store.
 */
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { usePostgresCluster } from '@cowrite/testing'
import { createPostgresStorage, type PostgresStorage } from '../src/storage/postgres.js'
import { connectClient } from './helpers/client.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { nextEvent, waitUntil } from './helpers/wait.js'

const scope = useScope()
const postgres = usePostgresCluster()

async function openStore(url: string): Promise<PostgresStorage> {
  const storage = await createPostgresStorage({ url })
  scope.defer(() => storage.close())
  return storage
}

async function storedText(url: string, room: string): Promise<string> {
  const storage = await createPostgresStorage({ url })
  const doc = new Y.Doc()
  try {
    for (const update of await storage.load(room)) Y.applyUpdate(doc, update)
    return doc.getText('content').toString()
  } finally {
    doc.destroy()
    await storage.close()
  }
}

describe('a server on PostgreSQL', () => {
  it('serves a document after a restart', async () => {
    const url = await postgres.database()
    const first = await startServer(scope, { storage: await openStore(url) })
    const writer = await connectClient(scope, first.wsUrl, 'doc')
    writer.text.insert(0, 'stored in PostgreSQL')
    await waitUntil('the edit is stored', async () => (await storedText(url, 'doc')) === 'stored in PostgreSQL')
    writer.destroy()
    await first.close()

    const second = await startServer(scope, { storage: await openStore(url) })
    const reader = await connectClient(scope, second.wsUrl, 'doc')
    expect(reader.text.toString()).toBe('stored in PostgreSQL')
    expect((await second.get('/api/rooms/doc/text')).text).toBe('stored in PostgreSQL')
  })

  it('closes the writer with 1011 while PostgreSQL is down and stores the held edit once it is back', async () => {
    const url = await postgres.database()
    const server = await startServer(scope, { storage: await openStore(url) })
    const writer = await connectClient(scope, server.wsUrl, 'doc')
    const reader = await connectClient(scope, server.wsUrl, 'doc')
    writer.text.insert(0, 'before')
    await waitUntil('the reader has the first edit', () => reader.text.toString() === 'before', { on: [[reader.doc, 'update']] })

    await postgres.cluster().down()
    const writerClosed = nextEvent<[CloseEvent]>(writer.provider, 'connection-close')
    writer.text.insert(6, ' after')
    expect((await writerClosed)[0].code).toBe(1011)
    expect((await server.get('/healthz')).status).toBe(503)
    expect(server.logs.matching('storage append failed').some((line) => line.room === 'doc')).toBe(true)
    expect(reader.text.toString()).toBe('before')

    await postgres.cluster().up()
    await waitUntil('the reader gets the held edit', () => reader.text.toString() === 'before after', {
      on: [[reader.doc, 'update']],
      timeoutMs: 10_000,
    })
    await waitUntil('healthz is 200 again', async () => (await server.get('/healthz')).status === 200)
    expect(await storedText(url, 'doc')).toBe('before after')
  })
})
