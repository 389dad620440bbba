/**
 * `connectRoom`: one room's Y.Doc, kept in sync with the server by the stock y-websocket provider,
 * with presence (awareness), an offline copy in IndexedDB, and one observable connection state.
 *
 * The provider is created with `connect: false` and driven by the state machine in
 * connection-state.ts, which owns the reconnect schedule; the provider's own retry timer is
 * neutralised on every close, so the state we report is the schedule that really runs.
 * Binding an editor is collab-editor.ts's job.
 */
import { assertRoomName, CloseCode, CONTENT } from '@cowrite/protocol'
import { IndexeddbPersistence } from 'y-indexeddb'
import type { Awareness } from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { checkAccess } from './access-check.js'
import type { BackoffOptions } from './backoff.js'
import { createConnectionMachine, type ConnectionState } from './connection-state.js'
import { serverUrls } from './server-url.js'
import { tokenName, tokenRole } from './token.js'

/** The awareness `user` field, in y-codemirror.next's convention. */
export interface UserInfo {
  name: string
  /** Caret and label colour, a CSS colour. */
  color: string
  /** Selection background; defaults to `color` at 20 % opacity. */
  colorLight?: string
}

export interface ConnectRoomOptions {
  /** The server's base URL (`http(s)://` or `ws(s)://`, optionally with a path prefix). */
  url: string | URL
  room: string
  /** Sent as `?token=` on the socket and as a bearer token to the API. */
  token?: string
  /**
   * A fresh token, asked before each (re)connect and when the server closes with 4401 (token
   * expired), so a session outlives any one token without a reload. Its answer replaces `token`;
   * if it fails, the attempt goes ahead with the last token.
   */
  getToken?: () => Promise<string> | string
  /** Who this is; a token with a `name` claim fixes the name (the server reports that one). */
  user: UserInfo
  /** Keep a copy in IndexedDB so edits survive a reload while offline. Default: when IndexedDB exists. */
  offlineCopy?: boolean
  /**
   * Also sync with other tabs of this browser over BroadcastChannel, even while the server is
   * unreachable (y-websocket's feature). Default true.
   */
  crossTab?: boolean
  /** For Node, where there is no global WebSocket (pass `ws`'s). */
  WebSocketPolyfill?: typeof WebSocket
  /** Reconnect backoff bounds. */
  backoff?: BackoffOptions
  fetch?: typeof globalThis.fetch
}

export interface RoomSession {
  readonly room: string
  readonly doc: Y.Doc
  /** The shared text, `doc.getText(CONTENT)`. */
  readonly text: Y.Text
  readonly provider: WebsocketProvider
  readonly awareness: Awareness
  /** The token claims the `view` role: the server will not accept edits. */
  readonly readOnly: boolean
  /** The token in use (the latest `getToken` gave), if any. */
  readonly token: string | undefined
  readonly state: ConnectionState
  /** Call `listener` on every change of connection state; returns the unsubscribe function. */
  onState(listener: (state: ConnectionState) => void): () => void
  readonly user: UserInfo
  /** The token names this person: `user.name` is that name and `setUser` keeps it. */
  readonly nameFixed: boolean
  /** Change the name or colour everyone else sees (not a name the token fixes). */
  setUser(user: UserInfo): void
  /** Resolves once the offline copy has been loaded into the doc (at once without one). */
  readonly localLoaded: Promise<void>
  /** Try to connect now (after a denial, or to skip the backoff wait). */
  retry(): void
  /** Disconnect, stop every timer and listener, destroy the doc. */
  destroy(): void
}

/** Forget the awareness clocks of clients we no longer hold a state for. */
function forgetRemoteMeta(awareness: Awareness): void {
  for (const clientId of [...awareness.meta.keys()]) {
    if (clientId !== awareness.clientID && !awareness.states.has(clientId)) awareness.meta.delete(clientId)
  }
}

/** Connect to a room; the first attempt starts at once. */
export function connectRoom(options: ConnectRoomOptions): RoomSession {
  const room = assertRoomName(options.room)
  const { wsUrl, httpUrl } = serverUrls(options.url)
  const doc = new Y.Doc()
  const text = doc.getText(CONTENT)
  const provider = new WebsocketProvider(wsUrl, room, doc, {
    connect: false,
    params: options.token ? { token: options.token } : {},
    disableBc: options.crossTab === false,
    ...(options.WebSocketPolyfill ? { WebSocketPolyfill: options.WebSocketPolyfill } : {}),
  })
  const awareness = provider.awareness
  let token = options.token
  const fixedName = tokenName(options.token)
  let user = { ...options.user, ...(fixedName ? { name: fixedName } : {}) }
  awareness.setLocalStateField('user', user)

  const useIndexedDb = options.offlineCopy ?? typeof indexedDB !== 'undefined'
  const persistence = useIndexedDb ? new IndexeddbPersistence(`cowrite ${httpUrl} ${room}`, doc) : undefined
  const localLoaded = persistence ? persistence.whenSynced.then(() => undefined) : Promise.resolve()

  const browser = typeof window !== 'undefined' && typeof document !== 'undefined'
  let destroyed = false
  /** Connect, with a fresh token first when there is a source of them. */
  const open = async () => {
    if (options.getToken) {
      try {
        token = await options.getToken()
      } catch (error) {
        console.warn('cowrite: getToken failed; connecting with the previous token', error)
      }
      provider.params = token ? { token } : {}
    }
    if (!destroyed) provider.connect()
  }
  const machine = createConnectionMachine({
    ...options.backoff,
    open: () => void open(),
    renewsToken: options.getToken !== undefined,
    checkAccess: () => checkAccess({ httpUrl, room, token, fetch: options.fetch }),
    isOnline: () => typeof navigator === 'undefined' || navigator.onLine !== false,
    now: () => Date.now(),
    timers: { set: (callback, ms) => setTimeout(callback, ms), clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>) },
    random: Math.random,
  })

  let socketOpened = false
  provider.on('status', ({ status }) => {
    if (status === 'connecting') {
      socketOpened = false
      // The server sends its current awareness states on connect. A remote client whose state
      // did not change while we were away re-announces the clock we already saw, which
      // y-protocols would reject as old news: forget those clocks so the states are accepted.
      forgetRemoteMeta(awareness)
    } else if (status === 'connected') {
      socketOpened = true
      machine.opened()
    }
  })
  provider.on('sync', (synced) => {
    if (synced) machine.synced()
  })
  provider.on('connection-close', (event) => {
    // Neutralise the provider's own retry timer (it only connects while shouldConnect is set):
    // the machine decides when the next attempt starts, and calls provider.connect() then.
    provider.shouldConnect = false
    machine.closed({ wasOpen: socketOpened, ...(event ? { code: event.code } : {}) })
    socketOpened = false
  })

  const onOnline = () => machine.online()
  const onOffline = () => machine.offline()
  const onVisibility = () => {
    if (document.visibilityState === 'visible') machine.visible()
  }
  if (browser) {
    window.addEventListener('online', onOnline)
    window.addEventListener('offline', onOffline)
    document.addEventListener('visibilitychange', onVisibility)
  }

  // A deleted room's offline copy must go too: reopened, the name is a new empty room, and the
  // old copy would push the deleted text into it.
  machine.subscribe((state) => {
    if (state.status === 'denied' && state.code === CloseCode.roomDeleted) void persistence?.clearData()
  })
  machine.start()

  return {
    room,
    doc,
    text,
    provider,
    awareness,
    get readOnly() {
      return tokenRole(token) === 'view'
    },
    get token() {
      return token
    },
    get state() {
      return machine.state
    },
    onState: (listener) => machine.subscribe(listener),
    get user() {
      return user
    },
    nameFixed: fixedName !== undefined,
    setUser(next) {
      user = { ...next, ...(fixedName ? { name: fixedName } : {}) }
      awareness.setLocalStateField('user', user)
    },
    localLoaded,
    retry: () => machine.retry(),
    destroy() {
      destroyed = true
      machine.stop()
      if (browser) {
        window.removeEventListener('online', onOnline)
        window.removeEventListener('offline', onOffline)
        document.removeEventListener('visibilitychange', onVisibility)
      }
      provider.destroy()
      awareness.destroy()
      void persistence?.destroy()
      doc.destroy()
    },
  }
}
