/**
 * The Share menu: an edit link and a view-only link, each minted by the server
 * (`POST /api/rooms/<room>/share`, design.md: under auth a token it signs for this room, never a
 * higher role than this page's own; with auth off the plain link), copied to the clipboard and
 * shown in a field as well, so a browser that refuses the clipboard still hands it over. A
 * view-only page offers only the view-only link and says why.
 */
import type { RoomSession } from '@cowrite/client'
import type { ShareResponse } from '@cowrite/protocol'
import { copyText } from './clipboard.js'
import { element } from './dom.js'

export interface ShareMenuOptions {
  session: RoomSession
  /** The server's base URL. */
  server: URL
  token?: string
}

type ShareRole = 'edit' | 'view'

/** Ask the server for a link with `role`; throws an Error with the server's reason. */
async function mintLink(options: ShareMenuOptions, role: ShareRole): Promise<ShareResponse> {
  let response: Response
  try {
    response = await fetch(new URL(`api/rooms/${encodeURIComponent(options.session.room)}/share`, options.server), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}) },
      body: JSON.stringify({ role, ttl: '7d' }),
    })
  } catch {
    throw new Error('the server cannot be reached')
  }
  const body = (await response.json().catch(() => null)) as (Partial<ShareResponse> & { error?: string }) | null
  if (!response.ok || typeof body?.url !== 'string') throw new Error(body?.error ?? `the server answered ${response.status}`)
  return body as ShareResponse
}

/** Mount the Share button and its menu into `host`. */
export function shareMenu(host: HTMLElement, options: ShareMenuOptions): void {
  const { session } = options
  host.classList.add('share')
  const button = element('button', 'button share-button', 'Share')
  button.type = 'button'
  button.setAttribute('aria-haspopup', 'true')
  button.setAttribute('aria-expanded', 'false')
  const menu = element('div', 'share-menu')
  menu.id = 'share-menu'
  menu.hidden = true
  menu.setAttribute('role', 'dialog')
  menu.setAttribute('aria-label', 'Share this room')
  button.setAttribute('aria-controls', menu.id)

  const heading = element('p', 'share-heading', 'Share this room')
  const editButton = element('button', 'button primary share-edit', 'Copy edit link')
  editButton.type = 'button'
  editButton.dataset.role = 'edit'
  const editNote = element('p', 'share-note', 'Whoever opens it can write.')
  const viewButton = element('button', 'button share-view', 'Copy view-only link')
  viewButton.type = 'button'
  viewButton.dataset.role = 'view'
  const viewNote = element('p', 'share-note', 'Whoever opens it can read along, not change the text.')
  const field = element('input', 'share-url')
  field.readOnly = true
  field.hidden = true
  field.setAttribute('aria-label', 'The link')
  const status = element('p', 'share-status')
  status.setAttribute('role', 'status')
  status.setAttribute('aria-live', 'polite')
  menu.append(heading, editButton, editNote, viewButton, viewNote, field, status)
  host.append(button, menu)

  const setAvailability = () => {
    const denied = session.state.status === 'denied'
    editButton.disabled = denied || session.readOnly
    viewButton.disabled = denied
    if (denied) editNote.textContent = 'This page was refused access, so it cannot share the room.'
    else if (session.readOnly) editNote.textContent = 'Your link is view-only, so you can share view-only links only.'
    else editNote.textContent = 'Whoever opens it can write.'
  }

  const share = async (role: ShareRole, trigger: HTMLButtonElement) => {
    status.textContent = 'Making a link…'
    delete status.dataset.result
    try {
      const shared = await mintLink(options, role)
      field.value = shared.url
      field.dataset.role = shared.role
      field.hidden = false
      const copied = await copyText(shared.url)
      const what = role === 'edit' ? 'Edit link' : 'View-only link'
      const open = shared.expiresAt === null ? (role === 'view' ? ' (this server has no tokens: anyone with a link can edit)' : '') : `, valid until ${new Date(shared.expiresAt).toLocaleDateString()}`
      status.textContent = copied ? `${what} copied${open}.` : `Copy the ${what.toLowerCase()} from the field above${open}.`
      status.dataset.result = copied ? 'copied' : 'shown'
      field.select()
      if (copied) trigger.focus()
    } catch (error) {
      status.textContent = `Could not make a link: ${(error as Error).message}.`
      status.dataset.result = 'failed'
    }
  }
  editButton.addEventListener('click', () => void share('edit', editButton))
  viewButton.addEventListener('click', () => void share('view', viewButton))

  const close = (refocus: boolean) => {
    if (menu.hidden) return
    menu.hidden = true
    button.setAttribute('aria-expanded', 'false')
    if (refocus) button.focus()
  }
  const open = () => {
    setAvailability()
    menu.hidden = false
    button.setAttribute('aria-expanded', 'true')
    ;(editButton.disabled ? viewButton : editButton).focus()
  }
  button.addEventListener('click', () => (menu.hidden ? open() : close(false)))
  menu.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault()
      close(true)
    }
  })
  document.addEventListener('pointerdown', (event) => {
    if (!host.contains(event.target as Node)) close(false)
  })
  session.onState(setAvailability)
}
