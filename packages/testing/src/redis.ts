/**
 * A throwaway `redis-server` for tests (Debian's package): its own process on a free loopback
 * port, nothing saved to disk, stopped by its PID. A test can take it down and bring it back on
 * the same port (`down`, `up`) to watch instances lose Redis and recover.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { afterAll, beforeAll } from 'vitest'
import { freePort } from './free-port.js'

export interface RedisServer {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string
  readonly port: number
  /** Stop the server (SIGKILL: as abrupt as a crash), keeping its port for `up`. */
  down(): Promise<void>
  /** Start it again on the same port (empty: nothing is persisted). */
  up(): Promise<void>
  /** Stop it if running. Safe to call twice. */
  stop(): Promise<void>
}

const REDIS_SERVER = '/usr/bin/redis-server'

/** Start redis-server on a free port; resolves once it accepts connections. */
export async function startRedis(): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} not found: install it with \`apt-get install -y redis-server\``)
  const port = await freePort()
  let child: ChildProcess | undefined

  const up = async () => {
    const started = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child = started
    let output = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} not ready within 10 s: ${output}`)), 10_000)
      started.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      })
      started.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`redis-server exited with ${code}: ${output}`))
      })
    })
  }
  const down = async () => {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null || running.signalCode !== null) return
    const exited = once(running, 'exit')
    running.kill('SIGKILL')
    await exited
  }
  await up()
  return { url: `redis://127.0.0.1:${port}`, port, down, up, stop: down }
}

/** One redis-server for the test file: started before its tests, stopped after. */
export function useRedis(): () => RedisServer {
  let server: RedisServer | undefined
  beforeAll(async () => {
    server = await startRedis()
  })
  afterAll(async () => {
    await server?.stop()
  })
  return () => {
    if (!server) throw new Error('useRedis(): the server starts in beforeAll')
    return server
  }
}
