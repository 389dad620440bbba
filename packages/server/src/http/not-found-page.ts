/**
 * The one page the server itself writes: a person who followed a wrong link gets a page with a way
 * back instead of raw JSON; programs (and every /api/ path) still get JSON (json.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Whether the request is a browser navigating (it prefers HTML), not a program calling the API. */
export function wantsHtml(request: IncomingMessage): boolean {
  const accept = request.headers.accept ?? ''
  return request.method === 'GET' && /\btext\/html\b/.test(accept)
}

/** A small 404 page with a way back: the editor's start page and the viewer. */
export function sendNotFoundPage(response: ServerResponse, path: string): void {
  const shown = path.length > 120 ? `${path.slice(0, 120)}…` : path
  const escaped = shown.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
  const html =
    '<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>Not found · Cowrite</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2328}' +
    '@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}a{color:#58a6ff}}</style>' +
    `<h1>Nothing here</h1><p>There is no page at <code>${escaped}</code>.</p>` +
    '<p><a href="/">Start a new room</a> or <a href="/viewer/">see the rooms</a>.</p></html>'
  response.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html), 'Cache-Control': 'no-cache' })
  response.end(html)
}
