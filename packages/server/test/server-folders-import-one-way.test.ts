/**
 * The server's folders tell its architecture, and imports point one way: from the composition
 * (server.ts, cli.ts) through the transports (http/), the observers (activity/, stream/) and the
 * rooms (rooms/) down to the seams (storage/, fanout/, sync/) and the leaves (auth/, log, metrics).
 * Each import of one folder from another must go down this order, so no folders import in a
 * circle and nothing low knows something high.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('../src/', import.meta.url))

/** Rank of each folder (or root file): imports go from higher to strictly lower. */
const LAYERS: Record<string, number> = {
  'cli.ts': 7,
  'index.ts': 7,
  commands: 6,
  'server.ts': 6,
  'options.ts': 5,
  http: 5,
  activity: 4,
  stream: 4,
  webhooks: 4,
  rooms: 3,
  fanout: 2,
  storage: 2,
  sync: 2,
  auth: 1,
  'log.ts': 0,
  'metrics.ts': 0,
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* sourceFiles(path)
    else if (entry.name.endsWith('.ts')) yield path
  }
}

/** The folder of a source file, or the file itself at the root of src/. */
function unitOf(path: string): string {
  return relative(SRC, path).split(sep)[0]!
}

describe('server folders', () => {
  it('import one way, down the layers', () => {
    const violations: string[] = []
    const units = new Set<string>()
    for (const file of sourceFiles(SRC)) {
      const from = unitOf(file)
      units.add(from)
      const source = readFileSync(file, 'utf8')
      for (const [, specifier] of source.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const to = unitOf(join(file, '..', specifier!.replace(/\.js$/, '.ts')))
        if (to === from) continue
        if (!(LAYERS[from]! > LAYERS[to]!)) violations.push(`${relative(SRC, file)} imports ${specifier} (${from} → ${to})`)
      }
    }
    // Every folder and root file has a place in the order.
    expect([...units].filter((unit) => LAYERS[unit] === undefined)).toEqual([])
    expect(violations).toEqual([])
  })
})
