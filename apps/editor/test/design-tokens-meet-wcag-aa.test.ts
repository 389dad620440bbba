/**
 * The apps' text colours (apps/shared/tokens.css) against every page surface they sit on, in the
 * light and the dark scheme, meet WCAG AA for normal text: a contrast ratio of at least 4.5:1.
 * Regression: light-mode muted text was 3.1–3.6:1.
 */
import { readFileSync } from 'node:fs'
import { contrast } from '@cowrite/testing'
import { describe, expect, it } from 'vitest'

const css = readFileSync(new URL('../../shared/tokens.css', import.meta.url), 'utf8')

/** The `--name: #rrggbb` custom properties of one block of the stylesheet. */
function tokens(block: string): Record<string, string> {
  return Object.fromEntries([...block.matchAll(/--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)].map(([, name, value]) => [name!, value!.toLowerCase()]))
}

const light = tokens(css.slice(0, css.indexOf('@media')))
const dark = { ...light, ...tokens(css.slice(css.indexOf('@media'))) }
const TEXT = ['fg', 'muted', 'accent', 'ok', 'warn', 'bad']
const SURFACES = ['bg', 'editor-bg', 'surface']

describe('design tokens', () => {
  for (const [scheme, colours] of [
    ['light', light],
    ['dark', dark],
  ] as const) {
    it(`give every text colour at least 4.5:1 on every surface (${scheme})`, () => {
      const failing: string[] = []
      for (const text of TEXT) {
        for (const surface of SURFACES) {
          const ratio = contrast(colours[text]!, colours[surface]!)
          if (ratio < 4.5) failing.push(`--${text} ${colours[text]} on --${surface} ${colours[surface]}: ${ratio.toFixed(2)}:1`)
        }
      }
      expect(failing).toEqual([])
    })

    it(`give text on the accent colour (primary buttons) at least 4.5:1 (${scheme})`, () => {
      expect(contrast(colours['on-accent']!, colours.accent!)).toBeGreaterThanOrEqual(4.5)
    })
  }
})
