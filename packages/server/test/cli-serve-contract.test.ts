/**
 * `cowrite serve` as an operator runs it: one plain listening line on stdout, JSON logs on
 * stderr, SIGTERM closes sockets with 1001 and exits 0, bad flags exit 2 with a message, and
 * environment variables are honoured with flags winning over them.
 */
import { spawn } from 'node:child_process'
import { freePort } from '@cowrite/testing'
import { describe, expect, it } from 'vitest'
import { COWRITE_BIN, runCowrite } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { closed, openSocket } from './helpers/sockets.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()

function serve(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [COWRITE_BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  scope.defer(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  return { child, exited, stdout: () => stdout, stderr: () => stderr }
}

describe('cowrite serve', () => {
  it('prints one listening line, logs JSON to stderr, and on SIGTERM closes sockets with 1001 and exits 0', async () => {
    const cli = serve(['--port', '0', '--storage', 'memory'])
    await waitUntil('the listening line', () => cli.stdout().includes('\n'), { on: [[cli.child.stdout!, 'data']] })
    const match = /^cowrite listening on http:\/\/127\.0\.0\.1:(\d+)\n$/.exec(cli.stdout())
    expect(match, JSON.stringify(cli.stdout())).not.toBeNull()
    const port = Number(match![1])
    expect(port).toBeGreaterThan(0)

    const socket = await openSocket(scope, `ws://127.0.0.1:${port}`, 'shutdown')
    const close = closed(socket)
    cli.child.kill('SIGTERM')
    expect((await close).code).toBe(1001)
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toBe(`cowrite listening on http://127.0.0.1:${port}\n`)
    const lines = cli.stderr().trim().split('\n')
    expect(lines.length).toBeGreaterThan(0)
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow()
    expect(lines.map((line) => JSON.parse(line).msg)).toContain('server closed')
  })

  it.each([
    [['--bogus'], /bogus/],
    [['--port', 'abc'], /--port/],
    [['--port', '-1'], /--port/],
    [['--storage', 'floppy'], /--storage/],
    [['--max-message', '1.5'], /--max-message/],
    // Redis joins instances sharing one store: refused with a store that belongs to one process.
    [['--redis', 'redis://127.0.0.1:1'], /--redis joins instances sharing one store: it needs --storage postgres/],
    [['--storage', 'sqlite', '--redis', 'redis://127.0.0.1:1'], /not "sqlite"/],
    // HTTPS needs both files: a certificate without its key (or the reverse) is a usage error.
    [['--tls-cert', '/nonexistent/cert.pem'], /--tls-cert needs --tls-key/],
    [['--tls-key', '/nonexistent/key.pem'], /--tls-key needs --tls-cert/],
  ])('exits 2 with a message for %j', async (args, message) => {
    const { code, stdout, stderr } = await runCowrite(['serve', '--storage', 'memory', ...args])
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
    expect(stderr).toContain('Usage: cowrite serve')
    expect(stdout).toBe('')
  })

  it.each([
    [{ COWRITE_TLS_CERT: '/nonexistent/cert.pem' }, /--tls-cert needs --tls-key \(COWRITE_TLS_KEY\)/],
    [{ COWRITE_TLS_KEY: '/nonexistent/key.pem' }, /--tls-key needs --tls-cert \(COWRITE_TLS_CERT\)/],
  ])('exits 2 when the environment names only one TLS file: %j', async (env, message) => {
    const { code, stdout, stderr } = await runCowrite(['serve', '--storage', 'memory'], 10_000, env)
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
    expect(stdout).toBe('')
  })

  it.each([[['--help']], [['-h']], [['serve', '--help']], [['serve', '-h']], [['token', '--help']], [['token', '-h']]])('answers %j with the usage, exit 0', async (args) => {
    const { code, stdout, stderr } = await runCowrite(args)
    expect(code).toBe(0)
    expect(stdout).toContain('Usage: cowrite serve')
    expect(stdout).toContain('cowrite token --room ROOM')
    expect(stderr).toBe('')
  })

  it('honours environment variables, and a flag wins over its variable', async () => {
    const fromEnv = await freePort()
    const viaEnv = serve([], { COWRITE_PORT: String(fromEnv), COWRITE_STORAGE: 'memory', COWRITE_LOG_LEVEL: 'silent' })
    await waitUntil('the env-configured server listens', () => viaEnv.stdout().includes('\n'), { on: [[viaEnv.child.stdout!, 'data']] })
    expect(viaEnv.stdout()).toBe(`cowrite listening on http://127.0.0.1:${fromEnv}\n`)
    expect(viaEnv.stderr()).toBe('') // COWRITE_LOG_LEVEL=silent was honoured
    viaEnv.child.kill('SIGTERM')
    expect(await viaEnv.exited).toBe(0)

    const fromFlag = await freePort()
    const flagWins = serve(['--port', String(fromFlag), '--cors-origin', 'https://flag.example'], {
      COWRITE_PORT: String(fromEnv),
      PORT: String(fromEnv),
      COWRITE_STORAGE: 'memory',
      COWRITE_CORS_ORIGIN: 'https://env.example',
    })
    await waitUntil('the flag-configured server listens', () => flagWins.stdout().includes('\n'), { on: [[flagWins.child.stdout!, 'data']] })
    expect(flagWins.stdout()).toBe(`cowrite listening on http://127.0.0.1:${fromFlag}\n`)
    const health = await fetch(`http://127.0.0.1:${fromFlag}/healthz`)
    expect(health.headers.get('access-control-allow-origin')).toBe('https://flag.example')
    flagWins.child.kill('SIGTERM')
    expect(await flagWins.exited).toBe(0)
  })
})
