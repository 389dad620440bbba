/**
 * One server, two schemes: the sync socket speaks `ws(s)://` and the API `http(s)://`, under the
 * same host and path prefix (a reverse proxy may mount Cowrite below a path).
 */

export interface ServerUrls {
  /** Base for `new WebsocketProvider(wsUrl, room, doc)`, no trailing slash. */
  wsUrl: string
  /** Base for `/api/…` requests, no trailing slash. */
  httpUrl: string
}

/** Accepts `http:`, `https:`, `ws:` or `wss:` URLs, with or without a path prefix. */
export function serverUrls(url: string | URL): ServerUrls {
  const parsed = new URL(url)
  const secure = parsed.protocol === 'https:' || parsed.protocol === 'wss:'
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(parsed.protocol)) {
    throw new RangeError(`Invalid server URL ${JSON.stringify(String(url))}: expected http(s) or ws(s)`)
  }
  const rest = `//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`
  return { wsUrl: `${secure ? 'wss' : 'ws'}:${rest}`, httpUrl: `${secure ? 'https' : 'http'}:${rest}` }
}
