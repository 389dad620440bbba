/**
 * The `cowrite` command. The only module that reads `process.env`: flags win over environment
 * variables, which win over the defaults in options.ts.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createLogger } from './log.js'
import { DEFAULTS } from './options.js'
import { createServer } from './server.js'
import { createMemoryStorage } from './storage/memory.js'
import { createSqliteStorage } from './storage/sqlite.js'
import type { Storage } from './storage/storage.js'

const USAGE = `Usage: cowrite serve [flags]

Flags (environment variable in brackets):
  --host HOST              interface to listen on [COWRITE_HOST, HOST] (${DEFAULTS.host})
  --port PORT              port, 0 picks a free one [COWRITE_PORT, PORT] (${DEFAULTS.port})
  --data DIR               data directory, created if missing [COWRITE_DATA] (./data)
  --storage KIND           sqlite or memory [COWRITE_STORAGE] (sqlite)
  --cors-origin ORIGIN     Access-Control-Allow-Origin [COWRITE_CORS_ORIGIN] (*)
  --max-message BYTES      largest incoming frame [COWRITE_MAX_MESSAGE] (${DEFAULTS.maxMessage})
  --rate-limit N           messages per second per socket, 0 = off [COWRITE_RATE_LIMIT] (${DEFAULTS.rateLimit})
  --unload-after MS        idle room grace period [COWRITE_UNLOAD_AFTER_MS] (${DEFAULTS.unloadAfterMs})
  --log-level LEVEL        pino level [COWRITE_LOG_LEVEL] (${DEFAULTS.logLevel})
  -h, --help               show this help
`

/** Each flag with its environment variables, first one set wins. */
const FLAGS = {
  host: ['COWRITE_HOST', 'HOST'],
  port: ['COWRITE_PORT', 'PORT'],
  data: ['COWRITE_DATA'],
  storage: ['COWRITE_STORAGE'],
  'cors-origin': ['COWRITE_CORS_ORIGIN'],
  'max-message': ['COWRITE_MAX_MESSAGE'],
  'rate-limit': ['COWRITE_RATE_LIMIT'],
  'unload-after': ['COWRITE_UNLOAD_AFTER_MS'],
  'log-level': ['COWRITE_LOG_LEVEL'],
} as const satisfies Record<string, readonly string[]>

type Flag = keyof typeof FLAGS

class UsageError extends Error {}

function setting(values: Partial<Record<Flag, string>>, flag: Flag): string | undefined {
  return values[flag] ?? FLAGS[flag].map((name) => process.env[name]).find((value) => value !== undefined && value !== '')
}

function integer(values: Partial<Record<Flag, string>>, flag: Flag): number | undefined {
  const raw = setting(values, flag)
  if (raw === undefined) return undefined
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new UsageError(`--${flag} must be a non-negative integer, got ${JSON.stringify(raw)}`)
  return value
}

function openStorage(kind: string, dataDir: string): Storage {
  if (kind === 'memory') return createMemoryStorage()
  if (kind === 'sqlite') {
    mkdirSync(dataDir, { recursive: true })
    return createSqliteStorage({ path: join(dataDir, 'cowrite.db') })
  }
  throw new UsageError(`--storage must be sqlite or memory, got ${JSON.stringify(kind)}`)
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }])),
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }) as { values: Partial<Record<Flag, string>> & { help?: boolean } }
  if (values.help) {
    process.stdout.write(USAGE)
    return
  }
  const logger = createLogger(setting(values, 'log-level') ?? DEFAULTS.logLevel)
  const storage = openStorage(setting(values, 'storage') ?? 'sqlite', resolve(setting(values, 'data') ?? './data'))
  const server = await createServer({
    host: setting(values, 'host'),
    port: integer(values, 'port'),
    storage,
    logger,
    corsOrigin: setting(values, 'cors-origin'),
    maxMessage: integer(values, 'max-message'),
    rateLimit: integer(values, 'rate-limit'),
    unloadAfterMs: integer(values, 'unload-after'),
    processMetrics: true,
  })
  process.stdout.write(`cowrite listening on ${server.url}\n`)

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down')
    server.close().then(
      () => logger.flush(() => process.exit(0)),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        logger.flush(() => process.exit(1))
      },
    )
  }
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve':
      return serve(rest)
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE)
      return
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`)
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`cowrite: ${(error as Error).message}\n\n${USAGE}`)
    process.exit(2)
  }
  process.stderr.write(`cowrite: ${(error as Error).stack ?? String(error)}\n`)
  process.exit(1)
})
