/**
 * Debian's Chromium driven by playwright-core, and the per-file setup of a browser test: the
 * built app served by a real `cowrite serve` plus one browser, started before the file's tests
 * and closed after them; pages may get the app's test build instead (test-build.ts). Reading an
 * app's pages is left to each app's own test fixtures.
 */
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { startAppServer, type AppServer, type AppServerOptions } from './app-server.js'
import { assertBuilt } from './cowrite-process.js'
import { routeTestBuild, testBuildDir, type App } from './test-build.js'

/** Launch /usr/bin/chromium headless, with everything that would reach out to Google turned off. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // A page a test routes to an app's test build (test-build.ts) comes from no address, which
      // Chromium counts as public, and then blocks its sockets to the server on loopback.
      '--disable-features=LocalNetworkAccessChecks',
    ],
  })
}

export interface BrowserTestOptions extends AppServerOptions {
  /** The app under test; its build output must exist. */
  app: App
  /** Give the pages of `newContext` and `newPage` the app's test build (with its test hooks). Default false. */
  testBuild?: boolean
  /** Timeout of the setup and of the teardown hooks. Default 60 s. */
  hookTimeoutMs?: number
}

export interface BrowserTest {
  /** The server (set once the file's setup has run). */
  readonly server: AppServer
  /** The browser (set once the file's setup has run). */
  readonly browser: Browser
  /** Run `dispose` after the file's tests, before the browser closes and the server stops. */
  defer(dispose: () => unknown): void
  /** A browser context of its own (closed with the browser), serving the test build if the options asked for it. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>
}

/**
 * Register `beforeAll`/`afterAll` hooks for the calling file (call once, at module level): check
 * the build, start the server and the browser together; afterwards run what was deferred (last
 * first), close the browser and dispose of the server, even when the setup failed halfway.
 */
export function useBrowserTest(options: BrowserTestOptions): BrowserTest {
  const { app, testBuild = false, hookTimeoutMs = 60_000, ...serverOptions } = options
  let server: AppServer | undefined
  let browser: Browser | undefined
  const disposers: Array<() => unknown> = []
  beforeAll(async () => {
    assertBuilt(['packages/server/dist/cli.js', `apps/${app}/dist/index.html`, ...(testBuild ? [`${testBuildDir(app)}/index.html`] : [])])
    const [started, launched] = await Promise.allSettled([startAppServer(serverOptions), launchChromium()])
    if (started.status === 'fulfilled') server = started.value
    if (launched.status === 'fulfilled') browser = launched.value
    if (started.status === 'rejected') throw started.reason
    if (launched.status === 'rejected') throw launched.reason
  }, hookTimeoutMs)
  afterAll(async () => {
    try {
      for (const dispose of disposers.splice(0).reverse()) await dispose()
    } finally {
      try {
        await browser?.close()
      } finally {
        await server?.dispose()
      }
    }
  }, hookTimeoutMs)
  const test: BrowserTest = {
    get server() {
      if (!server) throw new Error('useBrowserTest: the server is not started yet (use it inside a test)')
      return server
    },
    get browser() {
      if (!browser) throw new Error('useBrowserTest: the browser is not launched yet (use it inside a test)')
      return browser
    },
    defer: (dispose) => void disposers.push(dispose),
    async newContext(contextOptions) {
      const context = await test.browser.newContext(contextOptions)
      if (testBuild) await routeTestBuild(context, test.server.url, app)
      return context
    },
  }
  return test
}
