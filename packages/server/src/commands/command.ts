/**
 * What the room-operation commands (`cowrite backup`, `export`, `import`) share: their refusals
 * with an exit code, their settings (a flag wins over its environment variable, which cli.ts hands
 * in: only the CLI reads `process.env`), where the store is, and the running server's API.
 */
import { join, resolve } from 'node:path'

/** A refusal the message explains fully: printed without a stack, exit 2 for usage, 1 otherwise. */
export class CommandError extends Error {
  override name = 'CommandError'

  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message)
  }
}

/** The environment a command reads its defaults from (cli.ts passes `process.env`). */
export type Environment = Readonly<Record<string, string | undefined>>

/** The flags' environment variables. */
export const ENVIRONMENT = {
  data: 'COWRITE_DATA',
  storage: 'COWRITE_STORAGE',
  url: 'COWRITE_URL',
  token: 'COWRITE_TOKEN',
} as const

/** A flag's value, else its environment variable's (empty counts as unset). */
export function setting(value: string | undefined, env: Environment, flag: keyof typeof ENVIRONMENT): string | undefined {
  if (value !== undefined) return value
  const fromEnv = env[ENVIRONMENT[flag]]
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv
}

/** Postgres URLs: `postgres://` or `postgresql://`. */
export const POSTGRES_URL = /^postgres(ql)?:\/\//

/** Where the store is: the SQLite file in the data directory, or a PostgreSQL URL. */
export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string }

export function storeLocation(data: string | undefined, storage: string | undefined): StoreLocation {
  const kind = storage ?? 'sqlite'
  if (POSTGRES_URL.test(kind)) return { kind: 'postgres', url: kind }
  if (kind === 'memory') throw new CommandError('--storage memory keeps nothing on disk: there is no store to read or write', 2)
  if (kind !== 'sqlite') throw new CommandError(`--storage must be sqlite or postgres://…, got ${JSON.stringify(kind.replace(/\/\/[^@/]*@/, '//***@'))}`, 2)
  return { kind: 'sqlite', path: join(resolve(data ?? './data'), 'cowrite.db') }
}

/** A running server's API: `GET`/`POST`/`PUT` on its routes with the token, refusals as CommandErrors. */
export function serverApi(url: string, token: string | undefined) {
  const base = url.replace(/\/+$/, '')
  if (!/^https?:\/\//.test(base)) throw new CommandError(`--url must be the server's http:// or https:// address, got ${JSON.stringify(url)}`, 2)
  return async function call(method: string, path: string, body?: Uint8Array | string, type?: string): Promise<Response> {
    let response: Response
    try {
      response = await fetch(base + path, {
        method,
        headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(type ? { 'Content-Type': type } : {}) },
        body: body as RequestInit['body'],
      })
    } catch (error) {
      throw new CommandError(`cannot reach ${base}: ${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message}`)
    }
    if (!response.ok) {
      const text = await response.text()
      let reason = text
      try {
        reason = (JSON.parse(text) as { error?: string }).error ?? text
      } catch {}
      throw new CommandError(`${method} ${path}: ${response.status} ${reason}`)
    }
    return response
  }
}
