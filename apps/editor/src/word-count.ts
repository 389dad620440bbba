/**
 * The word count under the editor: words and characters of the whole text, counted when typing
 * pauses (a 2,000-line document is not recounted on every keystroke).
 */
import type { RoomSession } from '@cowrite/client'

const QUIET_MS = 150

/** Words in `text`: runs of letters, digits and joining marks (`don't`, `e-mail` are one each). */
export function countWords(text: string): number {
  return text.match(/[\p{L}\p{N}]+(?:['’\-_][\p{L}\p{N}]+)*/gu)?.length ?? 0
}

export function wordCount(element: HTMLElement, session: RoomSession): void {
  element.classList.add('word-count')
  element.setAttribute('aria-live', 'off')
  let timer: ReturnType<typeof setTimeout> | undefined
  const render = () => {
    const text = session.text.toString()
    const words = countWords(text)
    element.textContent = `${words.toLocaleString('en')} word${words === 1 ? '' : 's'}`
    element.title = `${text.length.toLocaleString('en')} characters`
  }
  session.text.observe(() => {
    clearTimeout(timer)
    timer = setTimeout(render, QUIET_MS)
  })
  render()
}
