/**
 * The editor's look, in the page's colours: every colour is a CSS custom property (the shared
 * apps/shared/tokens.css, or the editor's own in style.css), so the light and dark schemes
 * (prefers-color-scheme) need no reconfiguration.
 */
import { EditorView } from '@codemirror/view'

export const editorTheme = EditorView.theme({
  '&': {
    height: '100%',
    fontSize: '16px',
    color: 'var(--fg)',
    backgroundColor: 'var(--editor-bg)',
  },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': {
    fontFamily: 'var(--mono)',
    lineHeight: '1.65',
  },
  '.cm-content': {
    padding: '1.5rem 0 40vh',
    caretColor: 'var(--fg)',
  },
  '.cm-line': { padding: '0 1rem 0 0.75rem' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--fg)', borderLeftWidth: '2px' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionLayer .cm-selectionBackground, .cm-content ::selection':
    { backgroundColor: 'var(--selection)' },
  '.cm-gutters': {
    backgroundColor: 'var(--editor-bg)',
    color: 'var(--muted)',
    border: 'none',
  },
  '.cm-lineNumbers .cm-gutterElement': { padding: '0 0.5rem 0 1rem', minWidth: '2.5em' },
  '.cm-activeLine': { backgroundColor: 'var(--active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--active-line)', color: 'var(--fg)' },
  '&.cm-focused .cm-matchingBracket': { backgroundColor: 'var(--match)', outline: '1px solid var(--muted)' },
  '.cm-placeholder': { color: 'var(--muted)' },
  // The find and replace panel (@codemirror/search), in the page's colours rather than its own light grey.
  '.cm-panels': { backgroundColor: 'var(--surface)', color: 'var(--fg)', fontFamily: 'var(--sans)' },
  '.cm-panels.cm-panels-top': { borderBottom: '1px solid var(--border)' },
  '.cm-panel.cm-search': { padding: '0.4rem 2rem 0.4rem 0.75rem', fontSize: '0.9rem' },
  '.cm-panel.cm-search label': { fontSize: '0.85rem' },
  '.cm-textfield': { backgroundColor: 'var(--editor-bg)', color: 'var(--fg)', border: '1px solid var(--border)', borderRadius: '6px', padding: '0.2rem 0.4rem', fontSize: '0.9rem' },
  '.cm-button': { backgroundImage: 'none', backgroundColor: 'var(--editor-bg)', color: 'var(--fg)', border: '1px solid var(--border)', borderRadius: '6px', padding: '0.15rem 0.6rem', fontSize: '0.85rem' },
  '.cm-panel.cm-search [name=close]': { color: 'var(--muted)', fontSize: '1.2rem' },
  '.cm-searchMatch': { backgroundColor: 'var(--search-match)', outline: 'none' },
  '.cm-searchMatch.cm-searchMatch-selected': { backgroundColor: 'var(--match)', outline: '2px solid var(--accent)' },
})
