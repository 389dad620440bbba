/**
 * The real `cowrite serve` as its own process (the built CLI, as an operator runs it), for tests
 * that kill, signal and restart a server over one data directory. Spawning and waiting for the
 * listening line live in @cowrite/testing; this module ties processes and temporary directories
 * to the test's scope.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { COWRITE_BIN, serveCowrite, type CowriteProcess } from '@cowrite/testing'
import type { Scope } from './scope.js'

export { COWRITE_BIN, type CowriteProcess }

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
export async function startCowrite(scope: Scope, args: readonly string[], timeoutMs = 10_000): Promise<CowriteProcess> {
  const server = await serveCowrite(['--port', '0', '--host', '127.0.0.1', ...args], timeoutMs)
  scope.defer(() => server.kill())
  return server
}
