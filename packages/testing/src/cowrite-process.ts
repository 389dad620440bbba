/**
 * The real `cowrite` CLI as its own process, as an operator runs it: the checked-in launcher of
 * @cowrite/server, which imports the compiled CLI, so `pnpm build` must have run. Deciding the
 * port, storage and data directory is left to the callers; so is killing a process a test left
 * running (see `kill`).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The repository root, with a trailing slash. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url))
/** The `cowrite` launcher. */
export const COWRITE_BIN = `${REPO}packages/server/bin/cowrite.js`

/** Fail early and clearly when `files` (paths from the repository root) were not built. */
export function assertBuilt(files: readonly string[]): void {
  for (const file of files) {
    if (!existsSync(REPO + file)) throw new Error(`${file} is missing: run \`pnpm build\` before these tests`)
  }
}

export interface CowriteProcess {
  readonly child: ChildProcess
  /** `http://HOST:PORT` (or `https://` when serving TLS) as printed on stdout. */
  readonly url: string
  readonly wsUrl: string
  readonly port: number
  /** Everything written to stderr so far (pino JSON lines). */
  stderr(): string
  /** Resolves with the exit code (or null) and signal once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** SIGTERM (the server flushes storage and activity first) and wait for the exit. */
  stop(): Promise<void>
  /** SIGKILL if still running and wait for the exit: the teardown for a test that may have failed midway. */
  kill(): Promise<void>
}

/**
 * Start `cowrite serve ...args` and resolve once it prints `cowrite listening on http(s)://HOST:PORT`.
 * Rejects, with its stderr, if it exits first or is not listening within `timeoutMs`; a process
 * that timed out is killed.
 */
export function serveCowrite(args: readonly string[], timeoutMs = 10_000): Promise<CowriteProcess> {
  const child = spawn(process.execPath, [COWRITE_BIN, 'serve', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }))
  })
  const running = () => child.exitCode === null && child.signalCode === null
  const end = async (name: NodeJS.Signals) => {
    if (running()) child.kill(name)
    await exited
  }
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolveStart, reject) => {
    let stdout = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`cowrite serve ${args.join(' ')} was not listening within ${timeoutMs} ms; stderr: ${stderr}`))
    }, timeoutMs)
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const match = /cowrite listening on (https?:\/\/\S+)\n/.exec(stdout)
      if (!match) return
      clearTimeout(timer)
      const url = match[1]!
      resolveStart({
        child,
        url,
        wsUrl: url.replace(/^http/, 'ws'),
        port: Number(new URL(url).port),
        stderr: () => stderr,
        exited,
        stop: () => end('SIGTERM'),
        kill: () => end('SIGKILL'),
      })
    })
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`cowrite serve ${args.join(' ')} exited before listening (code ${code}, signal ${signal}); stderr: ${stderr}`))
    })
  })
}

/** `cowrite token …` with `secret`: a signed token for `room`. */
export function signToken(secret: string, room: string, role: 'edit' | 'view', name: string): string {
  return execFileSync(process.execPath, [COWRITE_BIN, 'token', '--room', room, '--role', role, '--name', name, '--auth-secret', secret], { encoding: 'utf8' }).trim()
}
