/**
 * Hand-written blocks that survive a report's regeneration: everything from a line
 * `<!-- keep:NAME -->` to the line `<!-- /keep:NAME -->`, both included, verbatim. Wherever they
 * stood in the file being replaced, they are written after the generated sections, in the order
 * they had. Blocks do not nest.
 */

const OPEN = /^<!-- keep:([\w.-]+) -->$/
const CLOSE = /^<!-- \/keep:([\w.-]+) -->$/

/**
 * The kept blocks of `text`, each from its opening line to its closing line. A block left open,
 * closed under another name, or opened inside another throws: rewriting the file then would
 * lose text someone meant to keep.
 */
export function keptBlocks(text: string): string[] {
  const blocks: string[] = []
  let open: { name: string; line: number; lines: string[] } | undefined
  text.split('\n').forEach((line, index) => {
    const opening = OPEN.exec(line.trim())?.[1]
    const closing = CLOSE.exec(line.trim())?.[1]
    if (opening !== undefined && open) {
      throw new RangeError(`<!-- keep:${opening} --> on line ${index + 1} opens inside keep:${open.name}, opened on line ${open.line}`)
    }
    if (opening !== undefined) open = { name: opening, line: index + 1, lines: [] }
    if (closing !== undefined && closing !== open?.name) {
      throw new RangeError(`<!-- /keep:${closing} --> on line ${index + 1} closes ${open ? `keep:${open.name}, opened on line ${open.line}` : 'no open block'}`)
    }
    open?.lines.push(line)
    if (closing !== undefined) {
      blocks.push(open!.lines.join('\n'))
      open = undefined
    }
  })
  if (open) throw new RangeError(`<!-- keep:${open.name} --> on line ${open.line} is never closed`)
  return blocks
}

/** `report` followed by the kept blocks of `previous` (the text it replaces), one blank line apart. */
export function withKeptBlocks(report: string, previous: string): string {
  const blocks = keptBlocks(previous)
  if (blocks.length === 0) return report
  return `${report.trimEnd()}\n\n${blocks.join('\n\n')}\n`
}
