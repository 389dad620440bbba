/**
 * Where people are editing, in the live text: the lines a live change touched are marked for a
 * few seconds with a bar and a tint in the colour of whoever edited last (the activity stream says
 * who edited, the document updates say where; with several people typing at once the colour is the
 * latest one's), and the mark names them in its tooltip. Only changes made inside `live(…)` are
 * marked: live updates, not a (re)connection's snapshot.
 */
import { StateEffect, StateField, type EditorState, type Extension, type Transaction } from '@codemirror/state'
import { Decoration, EditorView, ViewPlugin, type DecorationSet } from '@codemirror/view'

/** How long a line stays marked after its last change. */
const HOLD_MS = 4000
/** How recent an edit event must be for its person to be named as the one editing. */
const WHO_MS = 5000

interface Mark {
  from: number
  to: number
  color: string
  name: string | null
  at: number
}

interface Marks {
  marks: Mark[]
  decorations: DecorationSet
}

/** Drop the marks older than the hold, as of the effect's time. */
const prune = StateEffect.define<number>()
/** Someone edited: unnamed marks of the last moments were theirs (the event may follow the change). */
const claim = StateEffect.define<{ name: string; color: string; at: number }>()
/** How far back an edit event claims unnamed marks. */
const CLAIM_MS = 1500

export interface EditingMarks {
  readonly extension: Extension
  /** `name` (in `color`) has just edited: the next live changes are theirs. */
  edited(name: string, color: string): void
  /** Run `apply` (which changes the view's text) as a live change, to be marked. */
  live(apply: () => void): void
}

/** One line decoration per marked line, the newest mark of a line winning. */
function decorate(state: EditorState, marks: readonly Mark[]): DecorationSet {
  const lines = new Map<number, Mark>()
  for (const mark of marks) {
    const first = state.doc.lineAt(Math.min(mark.from, state.doc.length)).number
    const last = state.doc.lineAt(Math.min(Math.max(mark.from, mark.to), state.doc.length)).number
    for (let n = first; n <= last; n++) if ((lines.get(n)?.at ?? -1) <= mark.at) lines.set(n, mark)
  }
  const ranges = [...lines.entries()]
    .sort(([a], [b]) => a - b)
    .map(([n, mark]) =>
      Decoration.line({
        class: 'cm-being-edited',
        attributes: { style: `--editor-color: ${mark.color}`, title: mark.name ? `${mark.name} is editing here` : 'Being edited' },
      }).range(state.doc.line(n).from),
    )
  return Decoration.set(ranges)
}

const theme = EditorView.theme({
  '.cm-line.cm-being-edited': {
    boxShadow: 'inset 3px 0 0 var(--editor-color)',
    backgroundColor: 'color-mix(in srgb, var(--editor-color) 12%, transparent)',
  },
})

export function editingMarks(): EditingMarks {
  let latest: { name: string; color: string; at: number } | null = null
  let applyingLive = false
  let shown: EditorView | undefined

  const field = StateField.define<Marks>({
    create: () => ({ marks: [], decorations: Decoration.none }),
    update(value, transaction: Transaction) {
      let marks = value.marks
      let changed = false
      if (transaction.docChanged) {
        marks = marks.map((mark) => ({ ...mark, from: transaction.changes.mapPos(mark.from, -1), to: transaction.changes.mapPos(mark.to, 1) }))
        changed = true
        if (applyingLive) {
          const now = Date.now()
          const who = latest && now - latest.at < WHO_MS ? latest : null
          transaction.changes.iterChangedRanges((_fromA, _toA, from, to) => {
            marks.push({ from, to, color: who?.color ?? 'var(--accent)', name: who?.name ?? null, at: now })
          })
        }
      }
      for (const effect of transaction.effects) {
        if (effect.is(prune)) {
          const kept = marks.filter((mark) => effect.value - mark.at < HOLD_MS)
          changed ||= kept.length !== marks.length
          marks = kept
        } else if (effect.is(claim)) {
          const { name, color, at } = effect.value
          marks = marks.map((mark) => (mark.name === null && at - mark.at < CLAIM_MS ? ((changed = true), { ...mark, name, color }) : mark))
        }
      }
      return changed ? { marks, decorations: decorate(transaction.state, marks) } : value
    },
    provide: (self) => EditorView.decorations.from(self, (value) => value.decorations),
  })

  // Once a second while anything is marked, let the old marks go.
  const pruner = ViewPlugin.define((view) => {
    shown = view
    const timer = setInterval(() => {
      if (view.state.field(field).marks.length > 0) view.dispatch({ effects: prune.of(Date.now()) })
    }, 1000)
    return { destroy: () => clearInterval(timer) }
  })

  return {
    extension: [field, pruner, theme],
    edited(name, color) {
      latest = { name, color, at: Date.now() }
      shown?.dispatch({ effects: claim.of(latest) })
    },
    live(apply) {
      applyingLive = true
      try {
        apply()
      } finally {
        applyingLive = false
      }
    },
  }
}
