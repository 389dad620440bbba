/**
 * A real server on a free loopback port, logging into memory, closed after the test.
 */
import { createServer, type CowriteServer, type ServerOptions } from '../../src/index.js'
import { captureLogs, type LogCapture } from './logs.js'
import type { Scope } from './scope.js'

export interface TestServer extends CowriteServer {
  /** `ws://HOST:PORT`, what a `WebsocketProvider` is given. */
  readonly wsUrl: string
  readonly logs: LogCapture
  /** GET `path` and return status, headers and body text. */
  get(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; text: string; json<T = unknown>(): T }>
  /** The value of one Prometheus sample, e.g. `cowrite_connections` or `cowrite_errors_total{kind="too-big"}`. */
  metric(sample: string): Promise<number>
}

export async function startServer(scope: Scope, options: ServerOptions = {}): Promise<TestServer> {
  const logs = captureLogs()
  const server = await createServer({ port: 0, host: '127.0.0.1', logger: logs.logger, ...options })
  scope.defer(() => server.close())
  const testServer: TestServer = {
    ...server,
    wsUrl: server.url.replace(/^http/, 'ws'),
    logs,
    async get(path: string, init?: RequestInit) {
      const response = await fetch(server.url + path, init)
      const text = await response.text()
      return { status: response.status, headers: response.headers, text, json: <T>() => JSON.parse(text) as T }
    },
    async metric(sample: string) {
      const { text } = await testServer.get('/metrics')
      return readMetric(text, sample)
    },
  }
  return testServer
}

/** One sample's value from Prometheus text; 0 when the sample is absent (a counter never hit). */
export function readMetric(text: string, sample: string): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(sample + ' ')) return Number(line.slice(sample.length + 1))
  }
  return 0
}
