/**
 * Tokens from the self-hoster's backend: `?tokenEndpoint=/path` names an endpoint of this same
 * origin that answers `GET /path?room=<room>` with a fresh token (the body, as text) for whoever
 * is logged in (cookies go along). The editor asks it before each connect and when a token
 * expires, so a session outlives its token without a reload (`connectRoom({ getToken })`).
 * Only a path on this origin is accepted: a link must not send people's cookies elsewhere.
 */

/** The endpoint named by the page's `?tokenEndpoint=`, if it is a path on this origin. */
export function tokenEndpoint(search: string, origin: string): URL | undefined {
  const value = new URLSearchParams(search).get('tokenEndpoint')
  if (!value || !value.startsWith('/') || value.startsWith('//')) return undefined
  const url = new URL(value, origin)
  return url.origin === origin ? url : undefined
}

/** `getToken` for connectRoom: the endpoint's answer for `room`. */
export function tokenSource(endpoint: URL, room: string): () => Promise<string> {
  return async () => {
    const url = new URL(endpoint)
    url.searchParams.set('room', room)
    const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store' })
    if (!response.ok) throw new Error(`token endpoint ${url.pathname} answered ${response.status}`)
    return (await response.text()).trim()
  }
}
