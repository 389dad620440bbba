/**
 * The browser tests drive the editor through `window.cowrite` (src/test-hooks.ts); only the test
 * build (`vite build --mode test`, dist-test/) may have it. What `cowrite serve` serves, the
 * production build in dist/, must not hand the page's session and view to any script.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { assertBuilt, REPO } from '@cowrite/testing'

/** Every script of a build, concatenated. */
function scripts(dir: string): string {
  assertBuilt([`${dir}/index.html`])
  const assets = `${REPO}${dir}/assets/`
  return readdirSync(assets)
    .filter((name) => name.endsWith('.js'))
    .map((name) => readFileSync(assets + name, 'utf8'))
    .join('\n')
}

/** The hook's assignment as the minifier writes it. */
const HOOK = /window\.cowrite\s*=/

describe('window.cowrite', () => {
  it('is set by the test build', () => {
    expect(scripts('apps/editor/dist-test')).toMatch(HOOK)
  })

  it('is not in the production build', () => {
    expect(scripts('apps/editor/dist')).not.toMatch(HOOK)
  })
})
