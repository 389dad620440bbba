/**
 * The real `cowrite serve` as its own process (the built CLI, as an operator runs it), for tests
 * that kill, signal and restart a server over one data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Scope } from './scope.js'

/** The checked-in launcher; it imports the compiled CLI, so `pnpm build` must have run. */
export const COWRITE_BIN = fileURLToPath(new URL('../../bin/cowrite.js', import.meta.url))

export interface CowriteProcess {
  readonly child: ChildProcess
  /** `http://HOST:PORT` as printed on stdout. */
  readonly url: string
  readonly wsUrl: string
  /** Everything written to stderr so far (pino JSON lines). */
  stderr(): string
  /** Resolves with the exit code (or null) and signal once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** A fresh temporary directory, removed after the test. */
export function tempDir(scope: Scope, prefix = 'cowrite-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  scope.defer(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Run `cowrite` with `args` until it exits; resolves with its code and output. */
export function runCowrite(
  args: readonly string[],
  timeoutMs = 10_000,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [COWRITE_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`cowrite ${args.join(' ')} did not exit within ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`))
    }, timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolvePromise({ code, stdout, stderr })
    })
  })
}

/**
 * Start `cowrite serve --port 0 --host 127.0.0.1 ...args` and resolve once it prints its
 * listening line. The process is killed (SIGKILL) after the test if still running.
 */
export function startCowrite(scope: Scope, args: readonly string[], timeoutMs = 10_000): Promise<CowriteProcess> {
  const child = spawn(process.execPath, [COWRITE_BIN, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.on('exit', (code, signal) => resolveExit({ code, signal }))
  })
  scope.defer(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolveStart, reject) => {
    let stdout = ''
    const timer = setTimeout(() => reject(new Error(`cowrite did not start within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs)
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const match = /cowrite listening on (http:\/\/\S+)\n/.exec(stdout)
      if (!match) return
      clearTimeout(timer)
      const url = match[1]!
      resolveStart({ child, url, wsUrl: url.replace(/^http/, 'ws'), stderr: () => stderr, exited })
    })
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`cowrite exited before listening (code ${code}, signal ${signal}); stderr: ${stderr}`))
    })
  })
}
