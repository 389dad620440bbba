/**
 * The live preview: a pane beside the text (over it on a phone) showing the room's Markdown as
 * rendered, sanitised HTML (render-markdown.ts, loaded the first time the pane opens). It follows
 * the text as anyone edits, at most once a frame, and only while it is open. The toggle remembers
 * its state in this browser.
 */
import type { RoomSession } from '@cowrite/client'

const KEY = 'cowrite.preview'

export interface PreviewOptions {
  /** The toggle button. */
  button: HTMLButtonElement
  /** The pane to fill. */
  pane: HTMLElement
  /** Set `data-preview` on it while the pane is open (for the layout). */
  layout: HTMLElement
  session: RoomSession
}

function remembered(): boolean {
  try {
    return localStorage.getItem(KEY) === 'on'
  } catch {
    return false
  }
}

function remember(open: boolean): void {
  try {
    localStorage.setItem(KEY, open ? 'on' : 'off')
  } catch {
    // Storage refused: the toggle still works for this page.
  }
}

export function preview(options: PreviewOptions): void {
  const { button, pane, layout, session } = options
  button.type = 'button'
  button.textContent = 'Preview'
  button.setAttribute('aria-pressed', 'false')
  button.setAttribute('aria-controls', pane.id)
  pane.classList.add('preview', 'markdown-body')
  pane.setAttribute('aria-label', 'Preview')
  pane.tabIndex = 0
  pane.hidden = true

  let render: ((source: string) => string) | undefined
  let frame = 0
  const draw = () => {
    frame = 0
    if (!pane.hidden && render) pane.innerHTML = render(session.text.toString())
  }
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(draw)
  }
  session.text.observe(schedule)

  const setOpen = async (open: boolean) => {
    pane.hidden = !open
    button.setAttribute('aria-pressed', String(open))
    layout.dataset.preview = open ? 'on' : 'off'
    remember(open)
    if (open && !render) {
      pane.setAttribute('aria-busy', 'true')
      render = (await import('./render-markdown.js')).renderMarkdown
      pane.removeAttribute('aria-busy')
    }
    draw()
  }
  button.addEventListener('click', () => void setOpen(pane.hidden))
  if (remembered()) void setOpen(true)
}
