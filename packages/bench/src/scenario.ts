/**
 * What a scenario is: parameters (smaller under `--quick`), the targets it applies to, the
 * columns of its table, and `run`, which executes in the load-generator process against one
 * running server and returns flat numeric metrics. Medians across runs are the runner's business.
 */
import { get } from 'node:http'
import type { Protocol, StartOptions, Target } from './targets.js'

export interface ServerHandle {
  pid: number
  /** `http://127.0.0.1:PORT` */
  url: string
  /** `ws://127.0.0.1:PORT` */
  wsUrl: string
  /** Several instances sharing engines (the scale-out scenario); then `url` is where clients are sent first. */
  deployment?: Deployment
}

/** One server process of a deployment. */
export interface InstanceHandle {
  id: string
  pid: number
  url: string
  wsUrl: string
}

/** What a scenario's `environment` started for one target: the instances and the engines they share. */
export interface Deployment {
  instances: InstanceHandle[]
  /** `direct`: clients are spread over the instances round-robin; `nginx`: they all go to `url` (nginx). */
  via: 'direct' | 'nginx'
  /** `redis://127.0.0.1:PORT` when the instances share one. */
  redisUrl?: string
  /** Engine processes whose CPU (with their children's) the scenario measures, by name. */
  enginePids: Record<string, number | undefined>
}

/** A running target (one server, or a deployment): its handle and how to stop all of it. */
export interface RunningTarget {
  handle: ServerHandle
  stop(): Promise<void>
}

/**
 * What a scenario starts once for all its targets and runs (engines such as PostgreSQL and Redis),
 * and how it starts each target on them. Lives in the runner's process.
 */
export interface Environment {
  start(targetId: string, options: Pick<StartOptions, 'cpuProfileDir' | 'nodeFlags'>): Promise<RunningTarget>
  /** Stop every engine; safe to call twice. */
  stop(): Promise<void>
}

export interface ScenarioContext {
  target: Target
  server: ServerHandle
  quick: boolean
  /** Progress lines go here (stderr of the load generator). */
  log(line: string): void
}

export type Metrics = Record<string, number>

export interface Column {
  key: string
  label: string
  /** Decimal places (default 1). */
  digits?: number
  /** Include in the ratio table; `lower` means a smaller figure is better. */
  better?: 'lower' | 'higher'
}

export interface Scenario<P = unknown> {
  id: string
  title: string
  /** One paragraph for the report: what was run, with the parameters. */
  describe(params: P): string
  /** Target ids this scenario runs against, in report order. */
  targets: readonly string[]
  /** The target whose figures are "the floor" in the ratio table. */
  floor?: string
  /** Whether `--quick` runs it (default true). */
  inQuick?: boolean
  params(quick: boolean): P
  columns(params: P): Column[]
  run(params: P, context: ScenarioContext): Promise<Metrics>
  /** Whether the scenario can run against this server at all (e.g. an endpoint exists). */
  available?(server: ServerHandle): Promise<boolean>
  /** Its own servers (default: the runner's `startServer` of the target's kind). */
  environment?(params: P, log: (line: string) => void): Promise<Environment>
}

/** Updates the server has applied so far (Cowrite: its metric; the bench's peer scripts: /bench/applied). */
export async function appliedCount(target: Target, server: ServerHandle): Promise<number> {
  try {
    if (target.server.startsWith('cowrite')) {
      return prometheusValue(await httpGet(`${server.url}/metrics`), 'cowrite_updates_total')
    }
    return Number(await httpGet(`${server.url}/bench/applied`))
  } catch (error) {
    process.stderr.write(`  could not read the applied-updates counter: ${(error as Error).message}\n`)
    return Number.NaN
  }
}

/** The value of an unlabelled sample `name` in Prometheus text; NaN when absent. */
export function prometheusValue(text: string, name: string): number {
  return Number(new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN)
}

/** GET `url` on a fresh connection (a saturated server may take long to answer). */
export function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, timeout: 60_000 }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve(body))
      response.on('error', reject)
    })
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out`)))
    request.on('error', reject)
  })
}

export function usesStockClients(protocol: Protocol): boolean {
  return protocol !== 'relay-raw'
}
