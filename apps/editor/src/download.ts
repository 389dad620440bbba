/** "Download .md": the room's text as a Markdown file named after its title (else the room). */
import type { RoomSession } from '@cowrite/client'
import { META, summarizeTitle, TITLE } from '@cowrite/protocol'

/** A file name from `title`: characters file systems refuse are dropped, length bounded. */
export function fileName(title: string | null, room: string): string {
  const base = (title ?? room).replace(/[\\/:*?"<>|\u0000-\u001f]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 100)
  return `${base || room}.md`
}

export function downloadButton(button: HTMLButtonElement, session: RoomSession): void {
  button.type = 'button'
  button.textContent = 'Download .md'
  button.title = 'Save the text as a Markdown file'
  button.addEventListener('click', () => {
    const title = summarizeTitle(session.doc.getMap<unknown>(META).get(TITLE))
    const url = URL.createObjectURL(new Blob([session.text.toString()], { type: 'text/markdown;charset=utf-8' }))
    const link = document.createElement('a')
    link.href = url
    link.download = fileName(title, session.room)
    link.click()
    // After the click has started the download: revoking at once can cancel it in some browsers.
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  })
}
