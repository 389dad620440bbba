/**
 * Addresses inside Cowrite that keep the page's `?token=`: under auth a link without it is
 * refused, so the logo, the start page, the rooms and the viewer all carry it on.
 */

/** `path` with `?token=` when there is a token. */
export function withToken(path: string, token: string | undefined): string {
  return token ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : path
}

/** The editor's page for `room`. */
export function roomHref(room: string, token: string | undefined): string {
  return withToken(`/r/${encodeURIComponent(room)}`, token)
}

/** The viewer's page for `room`, or its rooms overview. */
export function viewerHref(room: string | undefined, token: string | undefined): string {
  return withToken(`/viewer/${room === undefined ? '' : encodeURIComponent(room)}`, token)
}

/** The viewer's History panel for `room` (its newest version chosen). */
export function historyHref(room: string, token: string | undefined): string {
  return withToken(`/viewer/${encodeURIComponent(room)}?history`, token)
}
