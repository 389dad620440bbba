/**
 * What a scenario is: parameters (smaller under `--quick`), the targets it applies to, the
 * columns of its table, and `run`, which executes in the load-generator process against one
 * running server and returns flat numeric metrics. Medians across runs are the runner's business.
 */
import { get } from 'node:http'
import type { Protocol, Target } from './targets.js'

export interface ServerHandle {
  pid: number
  /** `http://127.0.0.1:PORT` */
  url: string
  /** `ws://127.0.0.1:PORT` */
  wsUrl: string
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
}

/** Updates the server has applied so far (Cowrite: its metric; the bench's peer scripts: /bench/applied). */
export async function appliedCount(target: Target, server: ServerHandle): Promise<number> {
  try {
    if (target.server.startsWith('cowrite')) {
      const text = await httpGet(`${server.url}/metrics`)
      return Number(/^cowrite_updates_total\s+(\d+(?:\.\d+)?)/m.exec(text)?.[1] ?? Number.NaN)
    }
    return Number(await httpGet(`${server.url}/bench/applied`))
  } catch (error) {
    process.stderr.write(`  could not read the applied-updates counter: ${(error as Error).message}\n`)
    return Number.NaN
  }
}

/** GET `url` on a fresh connection (a saturated server may take long to answer). */
function httpGet(url: string): Promise<string> {
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
