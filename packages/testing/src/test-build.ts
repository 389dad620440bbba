/**
 * An app's test build in the browser: `vite build --mode test` writes `apps/<app>/dist-test/`,
 * with the hooks the browser tests drive the page through, which the production build in `dist/`
 * leaves out. `cowrite serve` serves `dist/` only, so a browser context is routed here: wherever
 * the server answers with one of the app's pages, the page gets the test build's index.html
 * instead, and the test build's assets come from disk. Every other request (the API, the activity
 * streams, the sync sockets, a page the server refuses) still goes to the server, as it would.
 */
import { statSync } from 'node:fs'
import { resolve, sep } from 'node:path'
import type { BrowserContext, Route } from 'playwright-core'
import { REPO } from './cowrite-process.js'

export type App = 'editor' | 'viewer'

/** The test build's directory of `app`, from the repository root. */
export function testBuildDir(app: App): string {
  return `apps/${app}/dist-test`
}

/** Where `app` lives on its server: the editor at `/`, the viewer under `/viewer/`. */
const BASE: Record<App, string> = { editor: '/', viewer: '/viewer/' }

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** Route the pages of `context` on the server at `serverUrl` to the test build of `app`. */
export async function routeTestBuild(context: BrowserContext, serverUrl: string, app: App): Promise<void> {
  const root = resolve(REPO, testBuildDir(app))
  const { origin } = new URL(serverUrl)
  const base = BASE[app]
  const serve = async (route: Route) => {
    const request = route.request()
    const { pathname } = new URL(request.url())
    const file = resolve(root, pathname.slice(base.length))
    if (pathname.startsWith(base) && file.startsWith(root + sep) && isFile(file)) return route.fulfill({ path: file })
    if (!request.isNavigationRequest()) return route.fallback()
    const answer = await route.fetch().catch(() => undefined)
    // Unreachable: let the browser see it fail by itself.
    if (!answer) return route.fallback()
    const page = answer.ok() && (answer.headers()['content-type'] ?? '').startsWith('text/html')
    return page ? route.fulfill({ status: answer.status(), contentType: 'text/html; charset=utf-8', path: resolve(root, 'index.html') }) : route.fulfill({ response: answer })
  }
  await context.route((url) => url.origin === origin && !url.pathname.startsWith('/api/'), serve)
}
