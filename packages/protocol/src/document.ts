/**
 * The shape of a Cowrite document, as every editor, viewer and server reads it.
 */

/** The shared text every editor binds to: `doc.getText(CONTENT)`. */
export const CONTENT = 'content'

/** The map holding document metadata (`title`). */
export const META = 'meta'

/** The key of the document's title in the `META` map: a string, edited like the text. */
export const TITLE = 'title'

/** The longest title a summary reports; longer ones are cut (the document keeps them whole). */
export const MAX_TITLE_LENGTH = 200

/** A title as summaries show it: trimmed, on one line, capped; null when there is none. */
export function summarizeTitle(value: unknown): string | null {
  if (typeof value !== 'string') return null
  const line = value.replace(/\s+/g, ' ').trim()
  return line === '' ? null : line.slice(0, MAX_TITLE_LENGTH)
}
