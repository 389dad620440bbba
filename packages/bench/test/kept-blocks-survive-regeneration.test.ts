/**
 * A regenerated report keeps the hand-written blocks of the file it replaces: each
 * `<!-- keep:NAME -->` … `<!-- /keep:NAME -->` block, verbatim, after the generated sections and
 * in its old order, wherever it stood; regenerating again changes nothing. A block left open,
 * closed under another name or nested refuses the rewrite, naming the line.
 */
import { describe, expect, it } from 'vitest'
import { keptBlocks, withKeptBlocks } from '../src/kept-blocks.js'

const breakdown = ['<!-- keep:cpu-breakdown -->', '## Where the CPU goes (hand-written)', '', '| part | µs |', '<!-- /keep:cpu-breakdown -->'].join('\n')
const notes = ['<!-- keep:notes -->', 'Measured on a quiet machine.', '<!-- /keep:notes -->'].join('\n')

describe('withKeptBlocks', () => {
  it.each<[string, string, string]>([
    ['a file without blocks leaves the report as it is', '# Old\n\nold tables\n', '# New\n\nnew tables\n'],
    ['no previous file leaves the report as it is', '', '# New\n\nnew tables\n'],
    ['a block at the end is kept after the new tables', `# Old\n\nold tables\n\n${breakdown}\n`, `# New\n\nnew tables\n\n${breakdown}\n`],
    ['a block among the old tables moves after the new ones', `# Old\n\n${breakdown}\n\nold tables\n`, `# New\n\nnew tables\n\n${breakdown}\n`],
    ['two blocks keep their order', `# Old\n${notes}\nold tables\n${breakdown}\n`, `# New\n\nnew tables\n\n${notes}\n\n${breakdown}\n`],
  ])('%s', (_, previous, expected) => {
    expect(withKeptBlocks('# New\n\nnew tables\n', previous)).toBe(expected)
  })

  it('regenerating its own output changes nothing', () => {
    const once = withKeptBlocks('# New\n\nnew tables\n', `# Old\n${notes}\n${breakdown}\n`)
    expect(withKeptBlocks('# New\n\nnew tables\n', once)).toBe(once)
  })
})

describe('keptBlocks', () => {
  it('returns each block verbatim, delimiters and trailing spaces included', () => {
    const block = '<!-- keep:a -->\n  indented, trailing spaces  \n\n<!-- /keep:a -->'
    expect(keptBlocks(`before\n${block}\nafter\n${notes}`)).toEqual([block, notes])
  })

  it.each<[string, string, RegExp]>([
    ['left open', '# x\n<!-- keep:a -->\ntext\n', /keep:a --> on line 2 is never closed/],
    ['closed under another name', '<!-- keep:a -->\ntext\n<!-- /keep:b -->\n', /\/keep:b --> on line 3 closes keep:a, opened on line 1/],
    ['closed without being opened', 'text\n<!-- /keep:b -->\n', /\/keep:b --> on line 2 closes no open block/],
    ['opened inside another', '<!-- keep:a -->\n<!-- keep:b -->\n<!-- /keep:b -->\n<!-- /keep:a -->\n', /keep:b --> on line 2 opens inside keep:a, opened on line 1/],
  ])('refuses a block %s', (_, text, message) => {
    expect(() => keptBlocks(text)).toThrow(message)
    expect(() => withKeptBlocks('# New\n', text)).toThrow(RangeError)
  })
})
