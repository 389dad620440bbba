/**
 * The apps' text colours (apps/shared/tokens.css) against every page surface they sit on, in the
 * light and the dark scheme, meet WCAG AA for normal text: a contrast ratio of at least 4.5:1.
 * Regression: light-mode muted text was 3.1–3.6:1.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const css = readFileSync(new URL('../../shared/tokens.css', import.meta.url), 'utf8')

/** The `--name: #rrggbb` custom properties of one block of the stylesheet. */
function tokens(block: string): Record<string, string> {
  return Object.fromEntries([...block.matchAll(/--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)].map(([, name, value]) => [name!, value!.toLowerCase()]))
}

/** WCAG 2 relative luminance and contrast ratio. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (light! + 0.05) / (dark! + 0.05)
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
  }
})
