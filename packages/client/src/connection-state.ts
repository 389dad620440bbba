/**
 * The connection state machine: one honest answer to "are my edits reaching the server?".
 * It decides when to open a socket, how long to back off, when to give up (access denied), and
 * what to tell the user meanwhile. It owns no socket and reads no global: opening a socket, asking
 * the server whether access is refused, the clock, the timers, the random source and the browser's
 * online flag are all passed in, so tests drive it with a fake clock and a fixed random source.
 *
 * The wiring to y-websocket, `window` and `document` lives in connect-room.ts.
 */
import { CloseCode } from '@cowrite/protocol'
import { backoffDelay, type BackoffOptions } from './backoff.js'

/**
 * - `connecting`: an attempt is under way (socket opening, or open and waiting for the first sync).
 * - `synced`: the socket is open and the server's state has been received; edits flow both ways.
 * - `reconnecting`: the last attempt failed; the next one starts at `retryAt` (clock milliseconds).
 * - `offline`: the browser reports no network; the next attempt starts when it comes back.
 * - `denied`: the server refused this client (`code` 401 or 403 from the HTTP check, or the
 *   4400–4499 close code it sent); no further attempts until `retry()`.
 *   `reason` is the server's own words when the HTTP check got them (`token invalid`, say).
 */
export type ConnectionState =
  | { readonly status: 'connecting'; readonly attempt: number }
  | { readonly status: 'synced' }
  | { readonly status: 'reconnecting'; readonly attempt: number; readonly retryAt: number }
  | { readonly status: 'offline' }
  | { readonly status: 'denied'; readonly code: number; readonly reason?: string }

/** What the HTTP probe learnt about a failed open. */
export type AccessCheck = { readonly result: 'allowed' } | { readonly result: 'denied'; readonly code: number; readonly reason?: string } | { readonly result: 'unreachable' }

export interface Timers {
  set(callback: () => void, ms: number): unknown
  clear(handle: unknown): void
}

export interface ConnectionMachineOptions extends BackoffOptions {
  /** Start an attempt: open the socket. Its outcome comes back through `opened`, `synced`, `closed`. */
  open(): void
  /**
   * Ask the server whether this client is refused (after a socket closed without ever opening:
   * browsers hide a refused upgrade's status). Should settle within a few seconds.
   */
  checkAccess(): Promise<AccessCheck>
  /** Whether the browser believes it has a network. Default: always. */
  isOnline?(): boolean
  /**
   * `open` fetches a fresh token first (`connectRoom({ getToken })`): then an expired or refused
   * token (a 4401 close, a 401 from the check) is worth one immediate attempt with a new one
   * before the state says `denied`.
   */
  renewsToken?: boolean
  /** Milliseconds, like `Date.now`. */
  now(): number
  timers: Timers
  /** A number in [0, 1), like `Math.random`. */
  random(): number
}

/** How a socket ended: `code` is the WebSocket close code when there was one. */
export interface CloseInfo {
  /** Whether this socket had opened (the upgrade was accepted) before it closed. */
  wasOpen: boolean
  code?: number
}

export interface ConnectionMachine {
  readonly state: ConnectionState
  /** Call `listener` on every change of state; returns the unsubscribe function. */
  subscribe(listener: (state: ConnectionState) => void): () => void
  /** Begin: the first attempt, or `offline` if the browser has no network. */
  start(): void
  /** The socket of the current attempt opened. */
  opened(): void
  /** The server's state arrived: the attempt succeeded, the backoff starts over. */
  synced(): void
  /** The current socket closed. */
  closed(info: CloseInfo): void
  /** The browser reports a network again: try at once. */
  online(): void
  /** The browser reports no network. */
  offline(): void
  /** The tab became visible: try at once if waiting. */
  visible(): void
  /** The user asked to try now (also the way out of `denied`, e.g. with a new token). */
  retry(): void
  /** Stop for good: no more timers, attempts or notifications. */
  stop(): void
}

/** Close codes in 4400–4499 mean the server decided; retrying cannot help (an expired token, a view-only socket that wrote). */
function isRefusal(code: number | undefined): code is number {
  return code !== undefined && code >= 4400 && code < 4500
}

/** The `denied` code for a refusing close code: 401 and 403 as the HTTP check says them, any other as sent. */
function deniedCode(closeCode: number): number {
  if (closeCode === CloseCode.tokenExpired) return 401
  if (closeCode === CloseCode.viewOnly) return 403
  return closeCode
}

export function createConnectionMachine(options: ConnectionMachineOptions): ConnectionMachine {
  const { timers } = options
  const isOnline = options.isOnline ?? (() => true)
  const listeners = new Set<(state: ConnectionState) => void>()
  let state: ConnectionState = { status: 'connecting', attempt: 1 }
  /** Consecutive failed attempts since the last sync. */
  let failures = 0
  let timer: unknown = undefined
  let stopped = false
  let started = false
  /** Bumped on every transition, so a late access check answers only the attempt that asked. */
  let epoch = 0
  let socketOpened = false
  /** An attempt with a fresh token was made since the last sync (after a 4401 or a 401). */
  let renewed = false

  /** With a token source, a refused token gets one more attempt (a fresh token) before `denied`. */
  function renewInstead(code: number): boolean {
    if (!options.renewsToken || renewed || code !== 401) return false
    renewed = true
    attempt()
    return true
  }

  function set(next: ConnectionState): void {
    epoch++
    state = next
    for (const listener of [...listeners]) listener(next)
  }

  function clearTimer(): void {
    if (timer !== undefined) timers.clear(timer)
    timer = undefined
  }

  function attempt(): void {
    clearTimer()
    socketOpened = false
    set({ status: 'connecting', attempt: failures + 1 })
    options.open()
  }

  function scheduleRetry(): void {
    failures++
    if (!isOnline()) return set({ status: 'offline' })
    const delay = backoffDelay(failures, options.random, options)
    set({ status: 'reconnecting', attempt: failures + 1, retryAt: options.now() + delay })
    timer = timers.set(() => {
      timer = undefined
      if (!stopped && state.status === 'reconnecting') attempt()
    }, delay)
  }

  return {
    get state() {
      return state
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    start() {
      if (started) throw new Error('connection machine already started')
      started = true
      if (!isOnline()) return set({ status: 'offline' })
      attempt()
    },
    opened() {
      if (stopped || state.status !== 'connecting') return
      socketOpened = true
    },
    synced() {
      if (stopped || state.status !== 'connecting') return
      failures = 0
      renewed = false
      set({ status: 'synced' })
    },
    closed(info) {
      if (stopped) return
      // A close we caused (offline, retry) or one after we gave up changes nothing.
      if (state.status !== 'connecting' && state.status !== 'synced') return
      if (isRefusal(info.code)) {
        clearTimer()
        if (renewInstead(deniedCode(info.code))) return
        return set({ status: 'denied', code: deniedCode(info.code) })
      }
      if (info.wasOpen || socketOpened || state.status === 'synced') return scheduleRetry()
      // Never opened: either the server is unreachable or it refused the upgrade. Stay
      // `connecting` until the HTTP probe tells the two apart.
      const asked = epoch
      options.checkAccess().then(
        (check) => {
          if (stopped || epoch !== asked) return
          if (check.result === 'denied') {
            if (renewInstead(check.code)) return
            return set({ status: 'denied', code: check.code, ...(check.reason ? { reason: check.reason } : {}) })
          }
          scheduleRetry()
        },
        () => {
          if (!stopped && epoch === asked) scheduleRetry()
        },
      )
    },
    online() {
      if (stopped || !started) return
      if (state.status === 'offline' || state.status === 'reconnecting') attempt()
    },
    offline() {
      if (stopped || !started) return
      // An open socket is the better witness: if the network is really gone it closes, and then
      // `closed` lands in `offline`. navigator.onLine is false on machines with only loopback.
      if (state.status === 'reconnecting') {
        clearTimer()
        set({ status: 'offline' })
      }
    },
    visible() {
      if (stopped || !started) return
      if (state.status === 'reconnecting' || (state.status === 'offline' && isOnline())) attempt()
    },
    retry() {
      if (stopped || !started) return
      if (state.status === 'reconnecting' || state.status === 'offline' || state.status === 'denied') attempt()
    },
    stop() {
      stopped = true
      clearTimer()
      listeners.clear()
    },
  }
}
