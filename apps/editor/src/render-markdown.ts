/**
 * Markdown to safe HTML for the preview: `marked` (GitHub-flavoured) renders, DOMPurify removes
 * anything that could run (script, event handlers, javascript: links) before it reaches the page,
 * since the text is whatever anyone in the room typed. Loaded only when the preview opens.
 */
import DOMPurify from 'dompurify'
import { Marked } from 'marked'

const marked = new Marked({ gfm: true, breaks: false, async: false })

/** Sanitised HTML for `source`. */
export function renderMarkdown(source: string): string {
  return DOMPurify.sanitize(marked.parse(source) as string, { USE_PROFILES: { html: true } })
}
