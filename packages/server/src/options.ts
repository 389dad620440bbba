/**
 * What a server can be told, and what it assumes when it is not. The CLI maps flags and
 * environment variables onto these; nothing here reads `process.env`.
 */
import type { ActivityTrackerOptions } from './activity/activity-tracker.js'
import type { VersionTiming } from './rooms/version-recorder.js'
import type { WebhookOptions } from './webhooks/webhooks.js'
import type { AwarenessLimits } from './rooms/awareness-relay.js'
import type { Logger } from './log.js'
import type { Storage } from './storage/storage.js'

export interface ServerOptions {
  /**
   * `redis://HOST:PORT[/DB]`: join the other instances on that Redis. Needs a shared store
   * (`storage.shared`, PostgreSQL). Default: none (one instance).
   */
  redis?: string
  /** This instance's name in logs, `/healthz` and Redis messages. Default `<hostname>-<pid>`. */
  instanceId?: string
  /**
   * Serve HTTPS on the port: paths of a PEM certificate (its chain may follow it in the file) and
   * of its PEM private key. Every HTTP route is then served over HTTP/2 and HTTP/1.1, WebSockets
   * as `wss://` over HTTP/1.1; `reloadTls()` reads the files again. Unusable files reject
   * `createServer` with a message naming the file. Default: plain HTTP. (http/tls.ts's `TlsFiles`.)
   */
  tls?: { cert: string; key: string }
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string
  /** Port; 0 picks a free one. Default 1234. */
  port?: number
  /** Where documents are kept. Default: a fresh in-memory store. */
  storage?: Storage
  /** Largest incoming frame in bytes; larger ones close the socket with 1009. Default 16 MiB. */
  maxMessage?: number
  /** Unsent bytes per socket before it is dropped as a slow consumer (1013). Default 64 MiB. */
  sendBufferLimit?: number
  /** Incoming messages per second per socket (burst 10×); 0 disables. Default 1000. */
  rateLimit?: number
  /** How long a socket may stay above its rate limit before it is closed with 1008. Default 10 s. */
  rateLimitGraceMs?: number
  /** Idle room grace period before unloading. Default 30 s. */
  unloadAfterMs?: number
  /** Interval between liveness pings; a socket missing one pong is dropped. Default 30 s. */
  pingIntervalMs?: number
  /** Enables tokens: the HS256 key (UTF-8 bytes of the string). Default: auth off. */
  authSecret?: string
  /** `Origin`s allowed to open WebSockets (a browser-side defence). Default: any. */
  allowedOrigins?: readonly string[]
  /** `Access-Control-Allow-Origin` for HTTP answers. Default `*`. */
  corsOrigin?: string
  /** Interval of the SSE `: ping` comment. Default 15 s. */
  heartbeatMs?: number
  /**
   * Bytes waiting per SSE subscriber (live events held during its replay plus unsent bytes) before
   * it is dropped (it resumes by Last-Event-ID). Default 4 MiB.
   */
  sseBufferLimit?: number
  /** How long an SSE subscriber may take to read what waits for it (the replay waits) before it is dropped. Default 30 s. */
  sseDrainTimeoutMs?: number
  /**
   * Bounds of each room's awareness: client ids per socket (default 8), largest state (32 KiB of
   * JSON), how long removed ids are remembered (5 min), shortest interval between relayed
   * awareness messages (50 ms).
   */
  awareness?: Partial<AwarenessLimits>
  /** Activity timing: how long a join waits for the user's name, the edit coalescing window. */
  activity?: ActivityTrackerOptions
  /** When automatic versions are recorded (design.md "History"; tests shorten it). */
  versionTiming?: VersionTiming
  /** POST every activity event to these URLs, signed (design.md "Webhooks"). */
  webhooks?: WebhookOptions
  /** Structured logger; default pino at `logLevel` on stderr. */
  logger?: Logger
  /** Level of the default logger. Default `info`. */
  logLevel?: string
  /** Also export Node process metrics (CPU, memory, event loop). Default false. */
  processMetrics?: boolean
  /** The editor app's build output, served at `/` and `/r/<room>`. Default: none (API only). */
  editorDir?: string
  /** The viewer app's build output, served under `/viewer/`. Default: none. */
  viewerDir?: string
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 1234,
  maxMessage: 16 * 1024 * 1024,
  sendBufferLimit: 64 * 1024 * 1024,
  rateLimit: 1000,
  rateLimitGraceMs: 10_000,
  unloadAfterMs: 30_000,
  pingIntervalMs: 30_000,
  corsOrigin: '*',
  heartbeatMs: 15_000,
  sseBufferLimit: 4 * 1024 * 1024,
  sseDrainTimeoutMs: 30_000,
  logLevel: 'info',
} as const
