/**
 * Markdown, loaded after the page: the editor is editable at once as plain text, and
 * @codemirror/lang-markdown (which brings HTML, CSS and JavaScript for embedded blocks) arrives in
 * a chunk of its own a moment later. Fenced code is highlighted by its language's name through
 * @codemirror/language-data, whose list is fetched the first time a block names a language, and
 * whose languages each load only when a block names them. Headings, emphasis and marks are styled
 * by markdown-style.ts, which is in the page from the start.
 */
import { Compartment, type Extension } from '@codemirror/state'
import type { EditorView } from '@codemirror/view'

export interface LazyMarkdown {
  /** Put this in the editor's extensions: empty until `load` has run. */
  readonly extension: Extension
  /** Load Markdown (GFM) into `view`; resolves once it is in (code languages follow when needed). */
  load(view: EditorView): Promise<void>
}

export function lazyMarkdown(): LazyMarkdown {
  const compartment = new Compartment()
  return {
    extension: compartment.of([]),
    async load(view) {
      const { markdown, markdownLanguage } = await import('@codemirror/lang-markdown')
      let asked = false
      // Until the list is here, a code block is plain; once it is, Markdown is configured anew
      // with it, which parses the blocks again with their languages.
      const firstLanguage = (info: string) => {
        if (!asked && info.trim() !== '') {
          asked = true
          void import('@codemirror/language-data').then(({ languages }) => {
            view.dispatch({ effects: compartment.reconfigure(markdown({ base: markdownLanguage, codeLanguages: languages })) })
          })
        }
        return null
      }
      view.dispatch({ effects: compartment.reconfigure(markdown({ base: markdownLanguage, codeLanguages: firstLanguage })) })
    },
  }
}
