/**
 * The servers under test and how each is started: in its own child process, on loopback, pinned
 * to core 0 with `taskset` when there is one (the load generator runs on core 1). A target is one
 * row of the report: a server plus the kind of client that drives it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export type ServerKind = 'cowrite-memory' | 'cowrite-sqlite' | 'cowrite-postgres' | 'y-websocket' | 'hocuspocus' | 'relay' | 'sse-floor'

/**
 * How clients talk to a target: `y-websocket` (stock WebsocketProvider, or raw frames of that
 * protocol), `hocuspocus` (HocuspocusProvider, or raw frames of its protocol), `relay-yjs` (stock
 * y-websocket clients syncing with each other through the relay), `relay-raw` (opaque messages of
 * the same size as the Yjs ones).
 */
export type Protocol = 'y-websocket' | 'hocuspocus' | 'relay-yjs' | 'relay-raw'

export interface Target {
  id: string
  label: string
  server: ServerKind
  protocol: Protocol
}

export const TARGETS: readonly Target[] = [
  { id: 'cowrite-sqlite', label: 'Cowrite (SQLite)', server: 'cowrite-sqlite', protocol: 'y-websocket' },
  { id: 'cowrite-memory', label: 'Cowrite (memory)', server: 'cowrite-memory', protocol: 'y-websocket' },
  { id: 'y-websocket', label: 'y-websocket server', server: 'y-websocket', protocol: 'y-websocket' },
  { id: 'hocuspocus', label: 'Hocuspocus', server: 'hocuspocus', protocol: 'hocuspocus' },
  { id: 'relay-yjs', label: 'raw relay, stock clients', server: 'relay', protocol: 'relay-yjs' },
  { id: 'relay-raw', label: 'raw relay, raw messages', server: 'relay', protocol: 'relay-raw' },
  { id: 'sse-floor', label: 'SSE floor (raw HTTP responses)', server: 'sse-floor', protocol: 'relay-raw' },
  // The scale-out scenario's deployments, started by its environment on its own PostgreSQL and Redis.
  { id: 'cowrite-postgres', label: 'one instance, PostgreSQL, no Redis', server: 'cowrite-postgres', protocol: 'y-websocket' },
  { id: 'scale-out-spread', label: '3 instances + Redis, clients spread', server: 'cowrite-postgres', protocol: 'y-websocket' },
  { id: 'scale-out-nginx', label: '3 instances + Redis, via nginx', server: 'cowrite-postgres', protocol: 'y-websocket' },
  { id: 'scale-out-nginx-rooms', label: '3 instances + Redis, via nginx, 5 rooms', server: 'cowrite-postgres', protocol: 'y-websocket' },
]

export function target(id: string): Target {
  const found = TARGETS.find((candidate) => candidate.id === id)
  if (!found) throw new RangeError(`Unknown target ${JSON.stringify(id)}; known: ${TARGETS.map((t) => t.id).join(', ')}`)
  return found
}

const here = dirname(fileURLToPath(import.meta.url))
/**
 * The Cowrite CLI under test: this checkout's, or another build's (`COWRITE_BIN=/path/to/bin/cowrite.js`),
 * to compare two versions of the server with the same load generator.
 */
const COWRITE_BIN = process.env.COWRITE_BIN ?? join(here, '..', '..', 'server', 'bin', 'cowrite.js')

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0

/** `[command, ...args]` running `node args` on `core` when taskset exists. */
export function pinned(core: number, nodeArgs: string[]): [string, string[]] {
  return hasTaskset ? ['taskset', ['-c', String(core), process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs]
}

export const pinning = hasTaskset ? 'server on core 0, clients on core 1 (taskset)' : 'not pinned (no taskset)'

export interface RunningServer {
  kind: ServerKind
  pid: number
  /** `http://127.0.0.1:PORT` */
  url: string
  /** `ws://127.0.0.1:PORT` */
  wsUrl: string
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>
}

export interface StartOptions {
  /** Write a V8 CPU profile (`--cpu-prof`) into this directory when the server exits. */
  cpuProfileDir?: string | undefined
  /** More Node flags for the server process (e.g. `--perf-basic-prof`). */
  nodeFlags?: readonly string[]
  /** `cowrite-postgres`: the `postgres://` store (required). */
  storage?: string
  /** `cowrite-postgres`: `redis://` to join other instances on. */
  redis?: string | undefined
  /** `cowrite-postgres`: `--instance-id`. */
  instanceId?: string
  /** The core to pin to (default 0, the servers' core). */
  core?: number
}

/** Start `kind` and resolve once it printed its listening line. */
export async function startServer(kind: ServerKind, options: StartOptions = {}): Promise<RunningServer> {
  const nodeFlags = [...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []), ...(options.nodeFlags ?? [])]
  let dataDir: string | undefined
  let args: string[]
  switch (kind) {
    case 'cowrite-memory':
    case 'cowrite-sqlite':
    case 'cowrite-postgres': {
      dataDir = mkdtempSync(join(tmpdir(), 'cowrite-bench-'))
      let storage: string = kind === 'cowrite-memory' ? 'memory' : 'sqlite'
      const extra: string[] = []
      if (kind === 'cowrite-postgres') {
        if (!options.storage) throw new RangeError('cowrite-postgres needs a postgres:// store: it runs in the scale-out scenario, which starts one')
        storage = options.storage
        if (options.redis) extra.push('--redis', options.redis)
        if (options.instanceId) extra.push('--instance-id', options.instanceId)
      }
      args = [COWRITE_BIN, 'serve', '--port', '0', '--storage', storage, '--data', dataDir, '--rate-limit', '0', '--log-level', 'warn', ...extra]
      break
    }
    case 'y-websocket':
    case 'hocuspocus':
    case 'relay':
    case 'sse-floor':
      args = [join(here, 'servers', `${kind}.js`)]
      break
  }
  const logPath = join(tmpdir(), `cowrite-bench-${kind}${options.instanceId ? `-${options.instanceId}` : ''}-${process.pid}.log`)
  const log = createWriteStream(logPath, { flags: 'a' })
  const [command, commandArgs] = pinned(options.core ?? 0, [...nodeFlags, ...args])
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stderr!.pipe(log)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const listening = new Promise<string>((resolve, reject) => {
    let buffered = ''
    const timer = setTimeout(() => reject(new Error(`${kind} did not start within 20 s; see ${logPath}`)), 20_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8')
      const match = /listening on (http:\/\/\S+)/.exec(buffered)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${kind} exited with ${code} before listening; see ${logPath}: ${tail(logPath)}`))
    })
  })
  let url: string
  try {
    url = await listening
  } catch (error) {
    // One that never said it listens (a timeout) is still running: it must not outlive the bench.
    await kill(child, exited, 1_000)
    log.end()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
  child.stdout!.resume()
  return {
    kind,
    pid: child.pid!,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    async stop(graceMs = 5_000) {
      await kill(child, exited, graceMs)
      log.end()
      if (dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

async function kill(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(-2000)
  } catch {
    return ''
  }
}
