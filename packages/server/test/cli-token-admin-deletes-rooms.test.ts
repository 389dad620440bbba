/**
 * `cowrite token --role admin` mints a token that may delete rooms on a real `cowrite serve`
 * with the same secret, while an `edit` token from the same command gets 403 with a reason, and an
 * unknown role is a usage error (exit 2).
 */
import { describe, expect, it } from 'vitest'
import { runCowrite, startCowrite, tempDir } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'

const scope = useScope()
const SECRET = 'cli-token-admin-secret'

async function mint(role: string): Promise<string> {
  const { code, stdout, stderr } = await runCowrite(['token', '--room', '*', '--role', role, '--name', `${role} person`], 10_000, { COWRITE_AUTH_SECRET: SECRET })
  expect(code, stderr).toBe(0)
  return stdout.trim()
}

describe('cowrite token --role admin', () => {
  it('may delete rooms; an edit token may not; a made-up role is a usage error', async () => {
    const server = await startCowrite(scope, ['--data', tempDir(scope), '--auth-secret', SECRET])
    const [admin, editor] = await Promise.all([mint('admin'), mint('edit')])
    const put = await fetch(`${server.url}/api/rooms/doomed/text`, { method: 'PUT', body: 'bye', headers: { Authorization: `Bearer ${editor}`, 'Content-Type': 'text/plain' } })
    expect(put.status).toBe(200)

    const refused = await fetch(`${server.url}/api/rooms/doomed`, { method: 'DELETE', headers: { Authorization: `Bearer ${editor}` } })
    expect(refused.status).toBe(403)
    expect(((await refused.json()) as { error: string }).error).toBe('DELETE /api/rooms/doomed needs the admin role; this token has edit')

    const deleted = await fetch(`${server.url}/api/rooms/doomed`, { method: 'DELETE', headers: { Authorization: `Bearer ${admin}` } })
    expect(deleted.status).toBe(200)
    expect(await deleted.json()).toEqual({ deleted: 'doomed' })
    expect((await fetch(`${server.url}/api/rooms/doomed/text`, { headers: { Authorization: `Bearer ${admin}` } })).status).toBe(404)

    const wrong = await runCowrite(['token', '--room', '*', '--role', 'owner', '--name', 'x'], 10_000, { COWRITE_AUTH_SECRET: SECRET })
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toMatch(/--role must be admin, edit or view/)
  })
})
