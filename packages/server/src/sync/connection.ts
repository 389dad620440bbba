/**
 * One client's WebSocket as the server sees it: decoded messages in (at a bounded rate), bounded
 * sends out, and one place where the socket is closed with a documented code and a log line.
 * Which room it talks to and what its messages mean are the room's business: it is the room's
 * `Peer` (rooms/peer.ts), which it satisfies without importing rooms/.
 */
import { WebSocket, type RawData } from 'ws'
import { CloseCode } from '@cowrite/protocol'
import type { Grant } from '../auth/authorize.js'
import type { Logger } from '../log.js'
import type { Metrics, ReceivedType } from '../metrics.js'
import { canWriteSharedFrames, writeSharedFrame, type SharedFrame } from './shared-frame.js'
import { decodeMessage, ProtocolError, type IncomingMessage } from './messages.js'
import { RateLimiter } from './rate-limiter.js'

export interface ConnectionLimits {
  /** Bytes a socket may have queued unsent before it counts as a slow consumer. */
  sendBufferLimit: number
  /** Messages per second, with a burst of ten seconds' worth; 0 turns the limit off. */
  rateLimit: number
  /** How long a socket may stay above its rate limit before it is closed with 1008. */
  rateLimitGraceMs: number
}
/** A slow consumer cannot read our close frame either: drop its TCP connection after this. */
const FORCE_CLOSE_AFTER_MS = 1_000

const MESSAGE_TYPE_LABEL: Record<IncomingMessage['type'], ReceivedType> = {
  'sync-step1': 'sync',
  'sync-step2': 'sync',
  'sync-update': 'sync',
  awareness: 'awareness',
  'query-awareness': 'query-awareness',
}

export class Connection {
  /** Cleared by each ping round, set by each pong: a socket found cleared is dead. */
  alive = true
  private closed = false
  private readonly closeListeners: Array<() => void> = []
  private readonly limiter: RateLimiter
  private resumeTimer: NodeJS.Timeout | undefined
  private expiryTimer: NodeJS.Timeout | undefined
  /** Whether shared frames may go straight to ws's socket (asked once: see shared-frame.ts). */
  private readonly sharedFramesFit: boolean
  /** Who hears this connection's messages (`onMessage`). */
  private handler: ((message: IncomingMessage) => void) | undefined

  constructor(
    readonly socket: WebSocket,
    readonly room: string,
    /** What the connection's token allows (everything when auth is off). */
    readonly grant: Grant,
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {
    this.limiter = new RateLimiter({ rate: limits.rateLimit, graceMs: limits.rateLimitGraceMs })
    this.sharedFramesFit = canWriteSharedFrames(socket)
    if (grant.expiresAt !== null) {
      // setTimeout holds 32-bit delays: a token valid for longer is checked again when this fires.
      const delay = Math.min(grant.expiresAt - Date.now(), 2 ** 31 - 1)
      this.expiryTimer = setTimeout(() => this.expire(), Math.max(0, delay))
      this.expiryTimer.unref()
    }
    socket.on('pong', () => (this.alive = true))
    socket.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        // ws has already sent 1009 and is closing the socket.
        this.metrics.error('too-big')
        this.log.warn({ room, code: CloseCode.tooBig, reason: error.message }, 'closing connection: frame too big')
      } else {
        this.metrics.error('socket')
        this.log.warn({ room, err: error }, 'socket error')
      }
    })
    socket.on('close', () => this.detach())
    // Made here rather than in `onMessage`, so it shares this constructor's closure scope: one
    // less per idle connection.
    socket.on('message', (data: RawData, isBinary: boolean) => this.receive(data as Buffer, isBinary))
  }

  get isOpen(): boolean {
    return !this.closed
  }

  /** Feed each well-formed message to `handler`; a malformed frame closes this socket with 1007. */
  onMessage(handler: (message: IncomingMessage) => void): void {
    this.handler = handler
  }

  /** Run `listener` once when the socket closes, for whatever reason. */
  onClose(listener: () => void): void {
    if (this.closed) listener()
    else this.closeListeners.push(listener)
  }

  /**
   * Queue a message (or a frame shared by many recipients). A socket whose unsent bytes would pass
   * the limit is closed with 1013; a single message larger than the limit still goes to a socket
   * with nothing queued, so a big document's state can always be sent.
   */
  send(message: Uint8Array | SharedFrame): void {
    if (this.closed || this.socket.readyState !== WebSocket.OPEN) return
    const size = message instanceof Uint8Array ? message.byteLength : message.message.byteLength
    const buffered = this.socket.bufferedAmount
    if (buffered > 0 && buffered + size > this.limits.sendBufferLimit) {
      this.metrics.error('send-buffer-overflow')
      this.close(CloseCode.sendBufferOverflow, 'send buffer overflow', { buffered: this.socket.bufferedAmount })
      setTimeout(() => this.socket.terminate(), FORCE_CLOSE_AFTER_MS).unref()
      return
    }
    if (message instanceof Uint8Array) this.socket.send(message, { binary: true })
    else writeSharedFrame(this.socket, message, this.sharedFramesFit)
    this.metrics.traffic.messagesSent++
    this.metrics.traffic.bytesSent += size
  }

  /** Close with a documented code and log why; the room forgets the socket at once. */
  close(code: number, reason: string, details: Record<string, unknown> = {}): void {
    if (this.closed) return
    const level = code === CloseCode.shutdown ? 'debug' : 'warn'
    this.log[level]({ room: this.room, code, reason, ...details }, `closing connection: ${reason}`)
    this.socket.close(code, reason)
    // A socket paused by the rate limit must still read the peer's close frame, or the close
    // handshake (and the peer's 'close') waits for ws's 30 s timeout.
    if (this.socket.isPaused) this.socket.resume()
    this.detach()
  }

  /** Ping round: a socket that never answered the previous ping is dropped. */
  ping(): void {
    if (this.closed) return
    if (!this.alive) {
      this.log.info({ room: this.room }, 'terminating connection: missed pong')
      this.socket.terminate()
      this.detach()
      return
    }
    this.alive = false
    this.socket.ping()
  }

  private expire(): void {
    const left = this.grant.expiresAt! - Date.now()
    if (left > 0) {
      this.expiryTimer = setTimeout(() => this.expire(), Math.min(left, 2 ** 31 - 1))
      this.expiryTimer.unref()
      return
    }
    this.close(CloseCode.tokenExpired, 'token expired')
  }

  private detach(): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.resumeTimer)
    clearTimeout(this.expiryTimer)
    for (const listener of this.closeListeners.splice(0)) listener()
  }

  /** One frame from the socket: counted, rate-limited, decoded whole, then handed to the handler. */
  private receive(frame: Buffer, isBinary: boolean): void {
    if (this.closed || !this.handler) return
    this.metrics.traffic.bytesReceived += frame.byteLength
    if (!this.admit()) return
    let message: IncomingMessage
    try {
      if (!isBinary) throw new ProtocolError('text frame')
      message = decodeMessage(frame)
    } catch (error) {
      this.metrics.error('undecodable')
      this.close(CloseCode.undecodable, 'undecodable frame', { detail: (error as Error).message, bytes: frame.byteLength })
      return
    }
    this.metrics.received[MESSAGE_TYPE_LABEL[message.type]]++
    try {
      this.handler(message)
    } catch (error) {
      // The handler tells bad input from its own faults (rooms/room.ts); anything that still
      // escapes is a fault of ours, and costs this socket only, never the process.
      this.metrics.error('internal')
      this.log.error({ room: this.room, err: error, type: message.type }, 'internal fault while handling a message')
      this.close(CloseCode.internalError, 'internal error')
    }
  }

  /** Count a message against the rate limit; false once the socket is closed for it. */
  private admit(): boolean {
    const verdict = this.limiter.take()
    if (verdict.action === 'close') return this.closeRateLimited()
    if (verdict.action === 'pause') this.pause(verdict.pauseMs)
    // ws still delivers the rest of a read chunk after pause() (thousands of small frames): they
    // are handled, and the debt they add lengthens the pause.
    return true
  }

  /** Stop reading for `ms` (TCP backpressure: nothing is dropped), then ask the limiter again. */
  private pause(ms: number): void {
    if (this.resumeTimer !== undefined) return
    if (!this.socket.isPaused) {
      this.socket.pause()
      this.metrics.throttled.inc()
    }
    this.resumeTimer = setTimeout(() => {
      this.resumeTimer = undefined
      if (this.closed) return
      const verdict = this.limiter.recheck()
      if (verdict.action === 'read') this.socket.resume()
      else if (verdict.action === 'pause') this.pause(verdict.pauseMs)
      else this.closeRateLimited()
    }, ms)
  }

  private closeRateLimited(): false {
    this.metrics.error('rate-limited')
    this.close(CloseCode.rateLimited, 'rate limit exceeded', { rateLimit: this.limits.rateLimit })
    return false
  }
}
