/**
 * The engine fixtures of `@cowrite/testing` (redis-server, a PostgreSQL cluster, nginx as
 * docs/self-hosting.md configures it), used here outside vitest. That package is TypeScript source
 * only (its `exports` point at `src/index.ts`, and nothing compiles it), which Node 20 cannot
 * import: `ts-hooks.js` transpiles its files on load. Importing `vitest` outside the runner is fine
 * (the fixtures only call its hooks from their `use…` helpers, which the bench never calls). Only
 * the three engine files are imported, not the package's index (browser, app server, …).
 */
import { register } from 'node:module'

export interface RedisEngine {
  readonly url: string
  readonly port: number
  stop(): Promise<void>
}

export interface PostgresEngine {
  readonly url: string
  readonly port: number
  createDatabase(): Promise<string>
  stop(): Promise<void>
}

export interface NginxEngine {
  readonly url: string
  readonly port: number
  stop(): Promise<void>
}

export interface EngineFixtures {
  startRedis(): Promise<RedisEngine>
  startPostgres(): Promise<PostgresEngine>
  /** nginx in front of `upstreams` (`HOST:PORT`), room affinity by a consistent hash. */
  startNginx(upstreams: readonly string[]): Promise<NginxEngine>
}

let loading: Promise<EngineFixtures> | undefined

export function engineFixtures(): Promise<EngineFixtures> {
  loading ??= (async () => {
    // file:///…/packages/testing/src/index.ts: resolved (not loaded) to find the sources beside it.
    const root = new URL('.', import.meta.resolve('@cowrite/testing')).href
    register(new URL('./ts-hooks.js', import.meta.url), { data: { root } })
    const [redis, postgres, nginx] = await Promise.all([
      import(new URL('redis.ts', root).href) as Promise<Pick<EngineFixtures, 'startRedis'>>,
      import(new URL('postgres.ts', root).href) as Promise<Pick<EngineFixtures, 'startPostgres'>>,
      import(new URL('nginx.ts', root).href) as Promise<Pick<EngineFixtures, 'startNginx'>>,
    ])
    return { startRedis: redis.startRedis, startPostgres: postgres.startPostgres, startNginx: nginx.startNginx }
  })()
  return loading
}
