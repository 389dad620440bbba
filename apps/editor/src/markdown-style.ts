/**
 * Markdown that looks like Markdown while you write it: headings larger and bold (not underlined
 * as CodeMirror's default style has them), emphasis in italics, strong in bold, links in the
 * accent colour, inline code on a tinted background, and the marks themselves (`#`, `**`, `>`)
 * muted. Colours are the page's custom properties, so light and dark need nothing more.
 */
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language'
import { Prec, type Extension } from '@codemirror/state'
import { tags } from '@lezer/highlight'

const style = HighlightStyle.define([
  { tag: tags.heading1, fontSize: '1.6em', fontWeight: '700', textDecoration: 'none', lineHeight: '1.4' },
  { tag: tags.heading2, fontSize: '1.35em', fontWeight: '700', textDecoration: 'none' },
  { tag: tags.heading3, fontSize: '1.15em', fontWeight: '700', textDecoration: 'none' },
  { tag: [tags.heading4, tags.heading5, tags.heading6], fontWeight: '700', textDecoration: 'none' },
  { tag: tags.emphasis, fontStyle: 'italic' },
  { tag: tags.strong, fontWeight: '700' },
  { tag: tags.strikethrough, textDecoration: 'line-through' },
  { tag: [tags.link, tags.url], color: 'var(--accent)' },
  { tag: tags.monospace, backgroundColor: 'var(--code-bg)', borderRadius: '3px' },
  { tag: tags.quote, color: 'var(--muted)', fontStyle: 'italic' },
  { tag: [tags.processingInstruction, tags.contentSeparator], color: 'var(--muted)' },
])

/** Ahead of the code highlighting, so a heading is a heading and not an underlined line. */
export const markdownStyle: Extension = Prec.high(syntaxHighlighting(style))
