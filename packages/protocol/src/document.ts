/**
 * The shape of a Cowrite document, as every editor, viewer and server reads it.
 */

/** The shared text every editor binds to: `doc.getText(CONTENT)`. */
export const CONTENT = 'content'

/** The map holding document metadata (`title`). */
export const META = 'meta'
