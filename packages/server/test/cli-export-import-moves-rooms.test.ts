/**
 * `cowrite export` then `cowrite import` move rooms between servers exactly (design.md "Room
 * operations"): several rooms with unicode, exported as JSON from a running server (through its
 * API with a token, and from its store directly while it runs), imported into a fresh data
 * directory and served there with every text unchanged; one room as text (no newline added) and
 * as a Yjs update; an import into a running server goes through its API and reaches a connected
 * client at once, while a direct import into a data directory a server has open is refused.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { signToken } from '../src/auth/tokens.js'
import { connectClient } from './helpers/client.js'
import { runCowrite, startCowrite, tempDir } from './helpers/cowrite-process.js'
import { createRandom, randomEdit, testSeed } from './helpers/prng.js'
import { useScope } from './helpers/scope.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()
const SECRET = 'export-import-secret'

const TEXTS: Record<string, string> = {
  'notes': 'Plain ASCII notes\nwith two lines',
  'unicode-zoo': 'Zoë 🦊 日本語 ∑ ünïcode — emoji 👩🏽‍💻 and combining é\r\nCRLF line\tand a tab, no newline at the end',
  'empty-lines': '\n\n\nthree blank lines before, one after\n',
}

async function put(url: string, room: string, text: string, token: string): Promise<void> {
  const answer = await fetch(`${url}/api/rooms/${room}/text`, { method: 'PUT', body: text, headers: { 'Content-Type': 'text/plain; charset=utf-8', Authorization: `Bearer ${token}` } })
  expect(answer.status, await answer.clone().text()).toBe(200)
}

async function textOf(url: string, room: string, token?: string): Promise<string> {
  const answer = await fetch(`${url}/api/rooms/${room}/text`, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
  expect(answer.status, room).toBe(200)
  return answer.text()
}

describe('cowrite export and import', () => {
  it('move every room exactly: JSON from a running server (API and store) into a fresh data directory', async () => {
    const seed = testSeed(2024)
    const random = createRandom(seed)
    const data = tempDir(scope)
    const source = await startCowrite(scope, ['--data', data, '--auth-secret', SECRET])
    const editor = await signToken(SECRET, { sub: 'ada', name: 'Ada', room: '*', role: 'edit' }, 600)
    const viewer = await signToken(SECRET, { sub: 'vic', name: 'Vic', room: '*', role: 'view' }, 600)
    for (const [room, text] of Object.entries(TEXTS)) await put(source.url, room, text, editor)
    // One room typed by a stock client, so its state has a real history of edits and deletions.
    const typist = await connectClient(scope, source.wsUrl, 'typed', { params: { token: editor } })
    for (let i = 0; i < 300; i++) randomEdit(random, typist.text)
    const expected: Record<string, string> = { ...TEXTS, typed: typist.text.toString() }
    await waitUntil('typing stored', async () => (await textOf(source.url, 'typed', viewer)) === expected.typed)

    const out = tempDir(scope)
    const viaApi = join(out, 'rooms-api.json')
    const viaStore = join(out, 'rooms-store.json')
    const exported = await runCowrite(['export', '--url', source.url, '--out', viaApi], 15_000, { COWRITE_TOKEN: viewer })
    expect(exported.code, exported.stderr).toBe(0)
    const direct = await runCowrite(['export', '--data', data, '--out', viaStore], 15_000)
    expect(direct.code, direct.stderr).toBe(0)

    for (const file of [viaApi, viaStore]) {
      const body = JSON.parse(readFileSync(file, 'utf8')) as { rooms: Array<{ name: string; text: string; state: string }> }
      expect(Object.fromEntries(body.rooms.map((room) => [room.name, room.text])), `${file} (seed ${seed})`).toEqual(expected)

      const target = tempDir(scope)
      const imported = await runCowrite(['import', file, '--data', target], 15_000)
      expect(imported.code, imported.stderr).toBe(0)
      expect(imported.stdout.trim().split('\n')).toHaveLength(Object.keys(expected).length)
      const moved = await startCowrite(scope, ['--data', target])
      for (const [room, text] of Object.entries(expected)) expect(await textOf(moved.url, room), `${room} from ${file}`).toBe(text)
      await moved.stop()
    }
  })

  it('move one room as text (exactly, no newline added) and as a Yjs update; into a running server through its API only', async () => {
    const data = tempDir(scope)
    const source = await startCowrite(scope, ['--data', data])
    const text = TEXTS['unicode-zoo']!
    const answer = await fetch(`${source.url}/api/rooms/zoo/text`, { method: 'PUT', body: text, headers: { 'Content-Type': 'text/plain' } })
    expect(answer.status).toBe(200)
    const out = tempDir(scope)
    const asText = join(out, 'zoo.txt')
    const asYjs = join(out, 'zoo.yjs')
    expect((await runCowrite(['export', '--url', source.url, '--room', 'zoo', '--format', 'text', '--out', asText])).code).toBe(0)
    expect((await runCowrite(['export', '--data', data, '--room', 'zoo', '--format', 'yjs', '--out', asYjs])).code).toBe(0)
    expect(readFileSync(asText, 'utf8')).toBe(text)
    const stdout = await runCowrite(['export', '--url', source.url, '--room', 'zoo', '--format', 'text'])
    expect(stdout.stdout).toBe(text)

    // Into a running server: through its API, and a connected client sees it at once.
    const targetData = tempDir(scope)
    const target = await startCowrite(scope, ['--data', targetData])
    const watcher = await connectClient(scope, target.wsUrl, 'zoo-text')
    const byText = await runCowrite(['import', asText, '--room', 'zoo-text', '--url', target.url])
    expect(byText.code, byText.stderr).toBe(0)
    await waitUntil('the client has the imported text', () => watcher.text.toString() === text, { on: [[watcher.doc, 'update']] })
    const byYjs = await runCowrite(['import', asYjs, '--room', 'zoo-yjs'], 10_000, { COWRITE_URL: target.url })
    expect(byYjs.code, byYjs.stderr).toBe(0)
    expect(await textOf(target.url, 'zoo-yjs')).toBe(text)
    // Straight into the data directory the server has open: refused, nothing written.
    const refused = await runCowrite(['import', asText, '--room', 'sneaky', '--data', targetData])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/in use.*--url/)
    expect((await fetch(`${target.url}/api/rooms/sneaky/text`)).status).toBe(404)
    await target.stop()
    const restarted = await startCowrite(scope, ['--data', targetData])
    expect((await fetch(`${restarted.url}/api/rooms/sneaky/text`)).status).toBe(404)
    expect(await textOf(restarted.url, 'zoo-text')).toBe(text)
  })

  it('tells formats by extension, refuses what it cannot read, and answers --help', async () => {
    const dir = tempDir(scope)
    const odd = join(dir, 'rooms.csv')
    writeFileSync(odd, 'a,b')
    const guess = await runCowrite(['import', odd, '--data', dir])
    expect(guess.code).toBe(2)
    expect(guess.stderr).toMatch(/extension/)
    const notRooms = join(dir, 'other.json')
    writeFileSync(notRooms, '{"hello":1}')
    const bad = await runCowrite(['import', notRooms, '--data', dir])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/not a Cowrite rooms export/)
    const oneRoom = await runCowrite(['export', '--format', 'text', '--data', dir])
    expect(oneRoom.code).toBe(2)
    expect(oneRoom.stderr).toMatch(/give --room/)
    for (const command of ['export', 'import']) {
      const help = await runCowrite([command, '-h'])
      expect(help.code).toBe(0)
      expect(help.stdout).toMatch(new RegExp(`^Usage: cowrite ${command}`))
    }
  })
})
