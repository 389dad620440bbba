/**
 * The `cowrite` command. The only module that reads `process.env`: flags win over environment
 * variables, which win over the defaults in options.ts.
 */
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createLogger, type Logger } from './log.js'
import { DEFAULTS } from './options.js'
import { createServer } from './server.js'
import { DEFAULT_ACTIVITY_RETENTION, MAX_USER_NAME_LENGTH } from '@cowrite/protocol'
import { parseTtl, signToken } from './auth/tokens.js'
import { createMemoryStorage } from './storage/memory.js'
import { createPostgresStorage } from './storage/postgres.js'
import { redactUrlPassword } from './storage/postgres-schema.js'
import { createSqliteStorage } from './storage/sqlite.js'
import { SchemaError, type Storage } from './storage/storage.js'
import { TlsFilesError, type TlsFiles } from './http/tls.js'
import type { WebhookOptions } from './webhooks/webhooks.js'
import { describeWebhookUrl } from './webhooks/webhook-url.js'
import { runCommand } from './commands/index.js'

const USAGE = `Usage: cowrite serve [flags]
       cowrite token --room ROOM --name NAME [--role admin|edit|view] [--ttl 1h] [--sub ID]
       cowrite backup FILE [--data DIR]            a consistent copy of the store, while it runs
       cowrite export [--room R] [--format text|yjs|json] [--out FILE] [--url URL --token T | --data DIR]
       cowrite import FILE [--room R] [--format text|yjs|json] [--url URL --token T | --data DIR]
       (each answers --help)

Flags (environment variable in brackets):
  --host HOST              interface to listen on [COWRITE_HOST, HOST] (${DEFAULTS.host})
  --port PORT              port, 0 picks a free one [COWRITE_PORT, PORT] (${DEFAULTS.port})
  --data DIR               data directory, created if missing [COWRITE_DATA] (./data)
  --storage KIND           sqlite, memory or postgres://USER[:PASS]@HOST:PORT/DB [COWRITE_STORAGE] (sqlite)
  --cors-origin ORIGIN     Access-Control-Allow-Origin [COWRITE_CORS_ORIGIN] (*)
  --max-message BYTES      largest incoming frame [COWRITE_MAX_MESSAGE] (${DEFAULTS.maxMessage})
  --rate-limit N           messages per second per socket, 0 = off [COWRITE_RATE_LIMIT] (${DEFAULTS.rateLimit})
  --unload-after MS        idle room grace period [COWRITE_UNLOAD_AFTER_MS] (${DEFAULTS.unloadAfterMs})
  --log-level LEVEL        pino level [COWRITE_LOG_LEVEL] (${DEFAULTS.logLevel})
  --heartbeat MS           SSE ping comment interval [COWRITE_HEARTBEAT_MS] (${DEFAULTS.heartbeatMs})
  --activity-retention N   activity events kept, oldest dropped [COWRITE_ACTIVITY_RETENTION] (${DEFAULT_ACTIVITY_RETENTION})
  --auth-secret SECRET     enables tokens: the HS256 key [COWRITE_AUTH_SECRET] (auth off)
  --allowed-origins LIST   comma list of Origins allowed to open WebSockets [COWRITE_ALLOWED_ORIGINS] (any)
  --redis URL              redis://HOST:PORT[/DB]: join the other instances (needs postgres://) [COWRITE_REDIS_URL] (none)
  --instance-id ID         this instance's name in logs, /healthz and Redis [COWRITE_INSTANCE_ID] (<hostname>-<pid>)
  --tls-cert FILE          PEM certificate (chain): serve HTTPS, HTTP/2 and HTTP/1.1 [COWRITE_TLS_CERT] (plain HTTP)
  --tls-key FILE           its PEM private key, needed with --tls-cert [COWRITE_TLS_KEY]
                           SIGHUP reads both again (a renewed certificate, no restart)
  --webhook URLS           comma list of URLs that receive every activity event, signed [COWRITE_WEBHOOK_URL] (none)
  --webhook-secret SECRET  HMAC-SHA256 key of X-Cowrite-Signature, needed with --webhook [COWRITE_WEBHOOK_SECRET]
  -h, --help               show this help

cowrite token prints a token signed with --auth-secret (or COWRITE_AUTH_SECRET): ROOM is a room,
a prefix ending in *, or *; --ttl takes seconds or 30s, 15m, 1h, 7d.
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
  heartbeat: ['COWRITE_HEARTBEAT_MS'],
  'activity-retention': ['COWRITE_ACTIVITY_RETENTION'],
  'auth-secret': ['COWRITE_AUTH_SECRET'],
  'allowed-origins': ['COWRITE_ALLOWED_ORIGINS'],
  redis: ['COWRITE_REDIS_URL'],
  'instance-id': ['COWRITE_INSTANCE_ID'],
  'tls-cert': ['COWRITE_TLS_CERT'],
  'tls-key': ['COWRITE_TLS_KEY'],
  webhook: ['COWRITE_WEBHOOK_URL'],
  'webhook-secret': ['COWRITE_WEBHOOK_SECRET'],
} as const satisfies Record<string, readonly string[]>

type Flag = keyof typeof FLAGS

class UsageError extends Error {}

/** A refusal to start that the message explains fully: printed without a stack trace. */
class StartupError extends Error {}

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

/** Postgres URLs: `postgres://` or `postgresql://`. */
const POSTGRES_URL = /^postgres(ql)?:\/\//

async function openStorage(kind: string, dataDir: string, log: Logger, activityRetention: number | undefined): Promise<Storage> {
  if (kind === 'memory') return createMemoryStorage({ activityRetention })
  if (POSTGRES_URL.test(kind)) {
    try {
      return await createPostgresStorage({ url: kind, log, activityRetention })
    } catch (error) {
      if (error instanceof SchemaError) throw new StartupError(error.message)
      const code = (error as { code?: string }).code
      throw new StartupError(`cannot open ${redactUrlPassword(kind)}: ${(error as Error).message}${code ? ` (${code})` : ''}`)
    }
  }
  if (kind !== 'sqlite') throw new UsageError(`--storage must be sqlite, memory or postgres://…, got ${JSON.stringify(redactUrlPassword(kind))}`)
  const path = join(dataDir, 'cowrite.db')
  try {
    // Creates the data directory if missing.
    return createSqliteStorage({ path, log, activityRetention })
  } catch (error) {
    if (error instanceof SchemaError) throw new StartupError(error.message)
    const code = (error as { code?: string }).code
    throw new StartupError(`cannot open ${path}: ${(error as Error).message}${code ? ` (${code})` : ''}`)
  }
}

/** `--tls-cert` and `--tls-key`: both (HTTPS) or neither (plain HTTP). */
function tlsFiles(values: Partial<Record<Flag, string>>): TlsFiles | undefined {
  const cert = setting(values, 'tls-cert')
  const key = setting(values, 'tls-key')
  if (cert === undefined && key === undefined) return undefined
  if (cert === undefined) throw new UsageError('--tls-key needs --tls-cert (COWRITE_TLS_CERT): the certificate that goes with the key')
  if (key === undefined) throw new UsageError('--tls-cert needs --tls-key (COWRITE_TLS_KEY): the private key of the certificate')
  return { cert: resolve(cert), key: resolve(key) }
}

function isHttpUrl(text: string): boolean {
  try {
    return /^https?:$/.test(new URL(text).protocol)
  } catch {
    return false
  }
}

/** `--webhook` with `--webhook-secret`: http(s) URLs, each signed for; neither means no webhooks. */
function webhookOptions(values: Partial<Record<Flag, string>>): WebhookOptions | undefined {
  const urls = setting(values, 'webhook')
    ?.split(',')
    .map((url) => url.trim())
    .filter(Boolean)
  const secret = setting(values, 'webhook-secret')
  if (!urls?.length) {
    if (secret !== undefined) throw new UsageError('--webhook-secret needs --webhook (COWRITE_WEBHOOK_URL): the URLs to sign for')
    return undefined
  }
  if (!secret) throw new UsageError('--webhook needs --webhook-secret (COWRITE_WEBHOOK_SECRET): receivers check the signature with it')
  for (const url of urls) {
    if (!isHttpUrl(url)) throw new UsageError(`--webhook takes http:// or https:// URLs, got ${JSON.stringify(describeWebhookUrl(url))}`)
  }
  return { urls, secret }
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
  const kind = setting(values, 'storage') ?? 'sqlite'
  const tls = tlsFiles(values)
  const webhooks = webhookOptions(values)
  if (setting(values, 'redis') && !POSTGRES_URL.test(kind)) {
    throw new UsageError(`--redis joins instances sharing one store: it needs --storage postgres://…, not ${JSON.stringify(kind)}`)
  }
  const storage = await openStorage(kind, resolve(setting(values, 'data') ?? './data'), logger, integer(values, 'activity-retention'))
  const server = await createServer({
    tls,
    host: setting(values, 'host'),
    port: integer(values, 'port'),
    storage,
    logger,
    corsOrigin: setting(values, 'cors-origin'),
    maxMessage: integer(values, 'max-message'),
    rateLimit: integer(values, 'rate-limit'),
    unloadAfterMs: integer(values, 'unload-after'),
    heartbeatMs: integer(values, 'heartbeat'),
    authSecret: setting(values, 'auth-secret'),
    allowedOrigins: setting(values, 'allowed-origins')
      ?.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
    redis: setting(values, 'redis'),
    instanceId: setting(values, 'instance-id'),
    webhooks,
    processMetrics: true,
    // The apps' build output, found from this file: packages/server/dist/cli.js → apps/*/dist.
    editorDir: fileURLToPath(new URL('../../../apps/editor/dist/', import.meta.url)),
    viewerDir: fileURLToPath(new URL('../../../apps/viewer/dist/', import.meta.url)),
  }).catch(async (error: unknown) => {
    if (!(error instanceof TlsFilesError)) throw error
    // Refused before anything started but the store: close it, then explain.
    await storage.close()
    throw new StartupError(error.message)
  })
  let shuttingDown = false
  /** Store what is pending and exit: 0 only if nothing applied was left unstored. */
  const shutdown = (reason: string, failed = false) => {
    // A second signal while flushing is ignored: storage is closed once, after the last commit.
    if (shuttingDown) return
    shuttingDown = true
    logger.info({ reason }, 'shutting down')
    server.close().then(
      ({ unstoredRooms }) => {
        if (unstoredRooms.length > 0) {
          logger.error({ rooms: unstoredRooms }, `exiting with updates of ${unstoredRooms.length} room(s) left unstored`)
          process.stderr.write(`cowrite: updates of ${unstoredRooms.length} room(s) were not stored: ${unstoredRooms.join(', ')}\n`)
        }
        logger.flush(() => process.exit(failed || unstoredRooms.length > 0 ? 1 : 0))
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        logger.flush(() => process.exit(1))
      },
    )
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
  // A renewed certificate (an ACME client's deploy hook sends SIGHUP): new connections get it,
  // open ones keep theirs; files that cannot be used are logged and the old certificate stays.
  // Without TLS, SIGHUP keeps its default meaning (the process ends).
  if (tls) {
    process.on('SIGHUP', () => {
      if (shuttingDown) return
      logger.info({ cert: tls.cert, key: tls.key }, 'SIGHUP: reloading the TLS certificate')
      void server.reloadTls()
    })
  }
  // A fault that escaped every handler. A rejection is logged and serving goes on (no request
  // depends on it any more); after an exception the process state is unknown, so it stores what
  // it holds and exits non-zero for its supervisor to restart it.
  process.on('unhandledRejection', (error: unknown) => {
    logger.error({ err: error }, 'unhandled rejection (a bug: please report it)')
  })
  process.on('uncaughtException', (error: Error, origin: string) => {
    logger.fatal({ err: error, origin }, 'uncaught exception (a bug: please report it); shutting down')
    shutdown('uncaught exception', true)
  })
  // Only now announce readiness: a supervisor may signal as soon as it reads this line, and a
  // signal arriving before the handlers exist kills the process at once, skipping the flush.
  process.stdout.write(`cowrite listening on ${server.url}\n`)
}

/** `cowrite token`: print a token signed with the server's secret. */
async function token(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      room: { type: 'string' },
      role: { type: 'string', default: 'edit' },
      name: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '1h' },
      'auth-secret': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(USAGE)
    return
  }
  const secret = setting(values, 'auth-secret')
  if (!secret) throw new UsageError('cowrite token needs --auth-secret or COWRITE_AUTH_SECRET')
  if (!values.room) throw new UsageError('cowrite token needs --room (a room, a prefix ending in *, or *)')
  if (!values.name) throw new UsageError('cowrite token needs --name')
  if ([...values.name].length > MAX_USER_NAME_LENGTH) throw new UsageError(`--name must be at most ${MAX_USER_NAME_LENGTH} characters`)
  if (values.role !== 'admin' && values.role !== 'edit' && values.role !== 'view') {
    throw new UsageError(`--role must be admin, edit or view, got ${JSON.stringify(values.role)}`)
  }
  let ttlSeconds: number
  try {
    ttlSeconds = parseTtl(values.ttl)
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const signed = await signToken(secret, { sub: values.sub ?? values.name, name: values.name, room: values.room, role: values.role }, ttlSeconds)
  process.stdout.write(`${signed}\n`)
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve':
      return serve(rest)
    case 'token':
      return token(rest)
    case 'backup':
    case 'export':
    case 'import':
      return runCommand(command, rest, process.env)
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
  if (error instanceof StartupError) {
    process.stderr.write(`cowrite: ${error.message}\n`)
    process.exit(1)
  }
  process.stderr.write(`cowrite: ${(error as Error).stack ?? String(error)}\n`)
  process.exit(1)
})
