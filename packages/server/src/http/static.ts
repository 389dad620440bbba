/**
 * The apps' built files: the editor at `/` and `/r/<room>`, the viewer under `/viewer/`, and their
 * assets. Single-page routes answer with the app's index.html (never cached, so a new build is
 * picked up at once); Vite's content-hashed files under `assets/` are cached for good. Text files
 * go out brotli- or gzip-compressed to browsers that accept it (compressed.ts). Paths are
 * resolved inside an app's directory only: anything that would step outside is a 404.
 *
 * The API routes live in routes.ts, which asks this module only for paths it does not own.
 */
import { createReadStream, type Stats } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, resolve, sep } from 'node:path'
import { createCompressedFiles, pickEncoding } from './compressed.js'
import { sendError } from './json.js'

export interface StaticOptions {
  /** The editor's build output (its index.html and assets/). */
  editorDir?: string
  /** The viewer's build output. */
  viewerDir?: string
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
}

/** Vite's hashed output: `assets/name-<hash>.ext`; the hash changes whenever the content does. */
const HASHED_ASSET = /^assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/
const IMMUTABLE = 'public, max-age=31536000, immutable'
const REVALIDATE = 'no-cache'

/** `/r/<room>`: one segment, whatever it is; the app itself explains an invalid room name. */
const EDITOR_ROUTE = /^\/(?:r\/[^/]+\/?)?$/
/** `/viewer/` and `/viewer/<room>`. */
const VIEWER_ROUTE = /^\/viewer\/(?:[^/]+\/?)?$/

export interface StaticFiles {
  /** Answer `path` if it is an app route or a built file; false if it is neither. */
  serve(request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean>
}

export function createStaticFiles(options: StaticOptions): StaticFiles {
  const editorDir = options.editorDir ? resolve(options.editorDir) : undefined
  const viewerDir = options.viewerDir ? resolve(options.viewerDir) : undefined
  const compressed = createCompressedFiles()

  /** The file for `relative` inside `root`, or undefined if there is none or it would leave `root`. */
  async function find(root: string | undefined, relative: string): Promise<{ path: string; stats: Stats } | undefined> {
    if (!root) return undefined
    // Dot segments (`..`, `.env`, `.git`) are never served, encoded or not.
    if (relative.split('/').some((segment) => segment.startsWith('.'))) return undefined
    const path = resolve(root, relative)
    if (path !== root && !path.startsWith(root + sep)) return undefined
    try {
      const stats = await stat(path)
      return stats.isFile() ? { path, stats } : undefined
    } catch {
      return undefined
    }
  }

  async function send(request: IncomingMessage, response: ServerResponse, file: { path: string; stats: Stats }, cacheControl: string): Promise<void> {
    const encoding = pickEncoding(request.headers['accept-encoding'])
    // A file that cannot be compressed (replaced mid-build, say) is served as it is.
    const compressedBytes = encoding ? await compressed.get(file.path, file.stats.size, file.stats.mtimeMs, encoding).catch(() => null) : null
    const version = `${file.stats.size.toString(16)}-${Math.floor(file.stats.mtimeMs).toString(16)}`
    // Each encoding is its own representation, with its own validator.
    const etag = compressedBytes ? `W/"${version}-${encoding}"` : `W/"${version}"`
    const headers: Record<string, string | number> = {
      'Content-Type': CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      'Cache-Control': cacheControl,
      ETag: etag,
      'Last-Modified': file.stats.mtime.toUTCString(),
      'X-Content-Type-Options': 'nosniff',
      Vary: 'Accept-Encoding',
    }
    if (compressedBytes) headers['Content-Encoding'] = encoding!
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, headers)
      response.end()
      return
    }
    response.writeHead(200, { ...headers, 'Content-Length': compressedBytes ? compressedBytes.length : file.stats.size })
    if (request.method === 'HEAD') {
      response.end()
      return
    }
    if (compressedBytes) {
      response.end(compressedBytes)
      return
    }
    const stream = createReadStream(file.path)
    stream.on('error', () => response.destroy())
    stream.pipe(response)
  }

  async function page(request: IncomingMessage, response: ServerResponse, root: string | undefined, app: string): Promise<void> {
    const index = await find(root, 'index.html')
    if (!index) return sendError(response, 404, `the ${app} is not built (run pnpm build)`)
    await send(request, response, index, REVALIDATE)
  }

  async function file(request: IncomingMessage, response: ServerResponse, root: string | undefined, relative: string): Promise<boolean> {
    const found = await find(root, relative)
    if (!found) return false
    await send(request, response, found, HASHED_ASSET.test(relative) ? IMMUTABLE : REVALIDATE)
    return true
  }

  return {
    async serve(request, response, rawPath) {
      let path: string
      try {
        path = decodeURIComponent(rawPath)
      } catch {
        sendError(response, 400, `malformed path ${JSON.stringify(rawPath)}`)
        return true
      }
      if (path.includes('\0') || path.includes('\\')) return false
      if (path === '/viewer' && viewerDir) {
        response.writeHead(308, { Location: '/viewer/' })
        response.end()
        return true
      }
      // A server told of no app directory serves no app: its routes stay plain API 404s.
      if (path.startsWith('/viewer/') && viewerDir) {
        const relative = path.slice('/viewer/'.length)
        if (relative !== '' && (await file(request, response, viewerDir, relative))) return true
        if (VIEWER_ROUTE.test(path)) {
          await page(request, response, viewerDir, 'viewer')
          return true
        }
        return false
      }
      if (EDITOR_ROUTE.test(path) && editorDir) {
        await page(request, response, editorDir, 'editor')
        return true
      }
      const relative = path.slice(1)
      // The editor's files, then the viewer's (a viewer built with base `/` asks for /assets/… too).
      return (await file(request, response, editorDir, relative)) || (await file(request, response, viewerDir, relative))
    },
  }
}
