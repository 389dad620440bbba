/**
 * The handle the end-to-end tests read and drive the page through: `window.cowrite`, the room's
 * session and its editor view. Only a test build has it (`vite build --mode test`, written to
 * dist-test/ and served to the browser tests by @cowrite/testing); in any other build the
 * condition is a constant false and the bundler drops the assignment.
 */
import type { RoomSession } from '@cowrite/client'
import type { EditorView } from '@codemirror/view'

export interface TestHandle {
  session: RoomSession
  view: EditorView
  /** Resolves once Markdown (loaded after the page) is in the editor. */
  markdownLoaded: Promise<void>
}

export function exposeForTests(handle: TestHandle): void {
  if (import.meta.env.MODE === 'test') (window as unknown as { cowrite: TestHandle }).cowrite = handle
}
