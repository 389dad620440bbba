/**
 * SIGTERM exits 0 only when everything applied was stored. Regression: a server whose database
 * refused writes (here an immutable file, `chattr +i`, which stops even root) exited 0 on
 * SIGTERM, the updates it held back silently lost; now it says which rooms were not stored and
 * exits 1, so a supervisor or an operator sees it.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { connectClient } from './helpers/client.js'
import { startCowrite, tempDir } from './helpers/cowrite-process.js'
import { makeImmutable } from './helpers/immutable.js'
import { useScope } from './helpers/scope.js'
import { nextEvent, waitUntil } from './helpers/wait.js'

const scope = useScope()

describe('SIGTERM with updates left unstored', () => {
  it('names the rooms and exits 1', async () => {
    const data = tempDir(scope)
    const server = await startCowrite(scope, ['--data', data])
    const writer = await connectClient(scope, server.wsUrl, 'doomed')
    writer.text.insert(0, 'stored')
    await waitUntil('the first edit is stored', async () => (await (await fetch(`${server.url}/api/rooms/doomed/text`)).text()) === 'stored')

    makeImmutable(scope, join(data, 'cowrite.db'))
    const writerClosed = nextEvent<[CloseEvent]>(writer.provider, 'connection-close')
    writer.text.insert(6, ' but not this')
    expect((await writerClosed)[0].code).toBe(1011)
    writer.destroy()

    await server.stop()
    expect(await server.exited).toEqual({ code: 1, signal: null })
    expect(server.stderr()).toContain('updates of 1 room(s) were not stored: doomed')
    const exitLine = server
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; rooms?: string[] })
      .find((line) => line.msg.startsWith('exiting with updates'))
    expect(exitLine?.rooms).toEqual(['doomed'])
  })
})
