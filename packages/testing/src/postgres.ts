/**
 * A throwaway PostgreSQL cluster for tests: Debian's server binaries (`/usr/lib/postgresql/<v>/bin`,
 * not on PATH) run `initdb` into a fresh temporary directory and serve it on a free loopback port,
 * with `fsync=off` (a test cluster never needs to survive power loss). PostgreSQL refuses to run as
 * root, and tests here run as root: the server then runs as the `postgres` user through `runuser`.
 *
 * One cluster per test file (about 2 s to start), one fresh database per test (`createDatabase`),
 * so test files run in parallel and tests never see each other's rows. A test can take the server
 * down and bring it back on the same port and data (`down`, `up`) to watch a store fail and recover.
 */
import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { freePort } from './free-port.js'

/** The superuser `initdb` creates; trust authentication, so no password. */
const USER = 'cowrite'
const DEBIAN_ROOT = '/usr/lib/postgresql'

export interface PostgresCluster {
  /** `postgres://cowrite@127.0.0.1:PORT/cowrite`: a database made at start (prefer `createDatabase`). */
  readonly url: string
  readonly port: number
  /** A new empty database `t_<random>` on this cluster; resolves with its URL. */
  createDatabase(): Promise<string>
  /** Stop the server (`pg_ctl -m fast`: connections are terminated), keeping its data and port. */
  down(): Promise<void>
  /** Start the server again after `down`, on the same port with the same data. */
  up(): Promise<void>
  /** `down`, then `up`. */
  restart(): Promise<void>
  /** Stop the server if running and delete the cluster's directory. Safe to call twice. */
  stop(): Promise<void>
}

/** The newest installed PostgreSQL's server binaries, or a clear error saying how to get them. */
export function postgresBinDir(): string {
  const versions = existsSync(DEBIAN_ROOT)
    ? readdirSync(DEBIAN_ROOT)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(DEBIAN_ROOT, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : []
  if (versions.length === 0) {
    throw new Error(
      `PostgreSQL server binaries not found: no ${DEBIAN_ROOT}/*/bin/initdb. ` +
        'Install them with `apt-get install -y postgresql` (Debian puts them off PATH, in /usr/lib/postgresql/<version>/bin).',
    )
  }
  return join(DEBIAN_ROOT, versions[0]!, 'bin')
}

/** Start a fresh cluster on a free loopback port; resolves once it accepts connections. */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBinDir()
  const asRoot = process.getuid?.() === 0
  const dir = mkdtempSync(join(tmpdir(), 'cowrite-pg-'))
  const data = join(dir, 'db')
  const logFile = join(dir, 'log')

  /** Run a server binary, as `postgres` when we are root (PostgreSQL refuses root). */
  const runServerTool = (tool: string, args: readonly string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args)
  const logTail = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : '(no log)')

  let port = 0
  let running = false
  const start = async () => {
    try {
      await runServerTool('pg_ctl', [
        '-D', data,
        '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
        '-l', logFile,
        '-w', 'start',
      ])
    } catch (error) {
      throw new Error(`PostgreSQL did not start on port ${port}: ${(error as Error).message}\n${logTail()}`)
    }
    running = true
  }
  const stopServer = async () => {
    if (!running) return
    running = false
    await runServerTool('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
  }
  // A test process that dies without `stop` still takes its cluster down with it.
  const onExit = () => {
    if (running) {
      try {
        const stop = [join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop']
        if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', ...stop], { stdio: 'ignore' })
        else execFileSync(stop[0]!, stop.slice(1), { stdio: 'ignore' })
      } catch {
        // Nothing left to do at exit.
      }
    }
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', onExit)

  try {
    if (asRoot) await run('chown', ['postgres', dir])
    await runServerTool('initdb', ['-D', data, '-A', 'trust', '-U', USER, '--no-sync', '-E', 'UTF8', '--locale', 'C'])
    // A free port can be taken by someone else between our probe and the server's bind: try a few.
    for (let attempt = 1; ; attempt++) {
      port = await freePort()
      try {
        await start()
        break
      } catch (error) {
        if (attempt === 3) throw error
      }
    }
    await createDatabase(bin, port, USER)
  } catch (error) {
    await stopServer().catch(() => {})
    process.off('exit', onExit)
    rmSync(dir, { recursive: true, force: true })
    throw error
  }

  const urlOf = (database: string) => `postgres://${USER}@127.0.0.1:${port}/${database}`
  return {
    url: urlOf(USER),
    port,
    async createDatabase() {
      const name = `t_${randomBytes(6).toString('hex')}`
      await createDatabase(bin, port, name)
      return urlOf(name)
    },
    down: stopServer,
    async up() {
      if (!running) await start()
    },
    async restart() {
      await stopServer()
      await start()
    },
    async stop() {
      try {
        await stopServer()
      } finally {
        process.off('exit', onExit)
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}

/**
 * One cluster for every test of the calling file (call once, at module level): started before the
 * first test, stopped after the last. `database()` makes a fresh database for the calling test.
 */
export function usePostgresCluster(): { cluster(): PostgresCluster; database(): Promise<string> } {
  let cluster: PostgresCluster | undefined
  beforeAll(async () => {
    cluster = await startPostgres()
  })
  afterAll(async () => {
    await cluster?.stop()
  })
  const current = () => {
    if (!cluster) throw new Error('usePostgresCluster(): the cluster is started in beforeAll; call cluster() inside a test')
    return cluster
  }
  return { cluster: current, database: () => current().createDatabase() }
}

/** `createdb` as a client over TCP (client tools run as any user). */
function createDatabase(bin: string, port: number, name: string): Promise<void> {
  return run(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', USER, '--strategy', 'file_copy', name])
}

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || error.message}`))
      else resolve()
    })
  })
}

