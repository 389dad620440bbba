/**
 * An accessibility scan of a page with axe-core, its source injected into the page by
 * Playwright (not fetched by the page, so no server route and no CSP concern): the violations,
 * each with its impact and the elements it found, so a test can assert there is nothing serious.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Page } from 'playwright-core'

export interface AxeViolation {
  id: string
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null
  help: string
  /** CSS selectors of the offending elements. */
  targets: string[]
}

/** What the page's `axe` offers, as far as this module uses it. */
interface AxeRunner {
  run(context: unknown, options: object): Promise<{ violations: Array<{ id: string; impact: AxeViolation['impact']; help: string; nodes: Array<{ target: unknown[] }> }> }>
}

let source: string | undefined

/** Run every axe rule on `page` as it is now (WCAG 2.x A and AA and best practices). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  source ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
  await page.evaluate(source)
  return page.evaluate(async () => {
    // In the page: its global `axe` (just injected) and its document.
    const { axe, document } = globalThis as unknown as { axe: AxeRunner; document: unknown }
    const { violations } = await axe.run(document, { resultTypes: ['violations'] })
    return violations.map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help, targets: violation.nodes.map((node) => node.target.join(' ')) }))
  })
}

/** The serious and critical ones among `violations`, in words, for an assertion's diff. */
export function seriousViolations(violations: readonly AxeViolation[]): string[] {
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => `${violation.impact} ${violation.id}: ${violation.help} (${violation.targets.join(', ')})`)
}
