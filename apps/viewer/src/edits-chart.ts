/**
 * Edits per minute per user over the last hour, as an inline SVG of stacked bars (no chart
 * library). An "edit" is one `edit` activity event: the server coalesces a user's typing into at
 * most one a second, so a full bar of 60 means a minute of continuous typing. Each bar's tooltip
 * also gives the characters typed and deleted.
 */
import type { EditEvent } from '@cowrite/protocol'
import { userColor, userName } from './describe.js'

const MINUTES = 60
const WIDTH = 360
const HEIGHT = 112
const TOP = 8
const BOTTOM = 18
const SVG = 'http://www.w3.org/2000/svg'

export interface MinuteBucket {
  /** Minutes before the current one (0 = this minute). */
  ago: number
  /** Per user name: edit events and characters. */
  users: Map<string, { edits: number; inserted: number; deleted: number; color: string }>
}

/** Bucket `events` into the last hour's minutes, oldest first. Pure, for tests. */
export function bucketByMinute(events: Iterable<EditEvent>, now: number): MinuteBucket[] {
  const buckets: MinuteBucket[] = Array.from({ length: MINUTES }, (_, i) => ({ ago: MINUTES - 1 - i, users: new Map() }))
  const thisMinute = Math.floor(now / 60_000)
  for (const event of events) {
    const ago = thisMinute - Math.floor(Date.parse(event.at) / 60_000)
    if (!(ago >= 0 && ago < MINUTES)) continue
    const bucket = buckets[MINUTES - 1 - ago]!
    const name = userName(event.user)
    const entry = bucket.users.get(name) ?? { edits: 0, inserted: 0, deleted: 0, color: userColor(event.user) }
    entry.edits++
    entry.inserted += event.inserted
    entry.deleted += event.deleted
    bucket.users.set(name, entry)
  }
  return buckets
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value))
  if (text !== undefined) element.textContent = text
  return element
}

export interface EditsChart {
  readonly element: HTMLElement
  add(event: EditEvent): void
  /** Forget everything (after a reset of the activity log). */
  clear(): void
}

export function editsChart(): EditsChart {
  const element = document.createElement('figure')
  element.className = 'chart'
  const events: EditEvent[] = []
  let scheduled = false

  const render = () => {
    scheduled = false
    const now = Date.now()
    // Older than the window: never drawn again.
    const horizon = now - (MINUTES + 1) * 60_000
    while (events.length > 0 && Date.parse(events[0]!.at) < horizon) events.shift()
    const buckets = bucketByMinute(events, now)
    const peak = Math.max(1, ...buckets.map((bucket) => [...bucket.users.values()].reduce((sum, user) => sum + user.edits, 0)))
    const scale = niceCeiling(peak)
    const plot = HEIGHT - TOP - BOTTOM
    const slot = WIDTH / MINUTES
    const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': 'Edits per minute per user, last hour' })
    // A half-way line only where it falls on a whole number of edits.
    for (const fraction of scale >= 2 ? [0.5, 1] : [1]) {
      const y = TOP + plot * (1 - fraction)
      chart.append(svg('line', { x1: 0, x2: WIDTH, y1: y, y2: y, class: 'grid' }))
      chart.append(svg('text', { x: 2, y: y - 2, class: 'tick' }, String(Math.round(scale * fraction))))
    }
    chart.append(svg('line', { x1: 0, x2: WIDTH, y1: TOP + plot, y2: TOP + plot, class: 'axis' }))
    const names = new Map<string, string>()
    buckets.forEach((bucket, i) => {
      let y = TOP + plot
      const parts: string[] = []
      for (const [name, user] of bucket.users) {
        names.set(name, user.color)
        const height = (user.edits / scale) * plot
        y -= height
        const bar = svg('rect', { x: i * slot + 1, y, width: slot - 2, height: Math.max(height, 1), rx: 1.5, fill: user.color, class: 'bar' })
        chart.append(bar)
        parts.push(`${name}: ${user.edits} edit${user.edits === 1 ? '' : 's'} (+${user.inserted} −${user.deleted})`)
      }
      if (parts.length > 0) {
        const hit = svg('rect', { x: i * slot, y: TOP, width: slot, height: plot, class: 'hit' })
        hit.append(svg('title', {}, `${bucket.ago === 0 ? 'this minute' : `${bucket.ago} min ago`}\n${parts.join('\n')}`))
        chart.append(hit)
      }
    })
    for (const [label, x, anchor] of [['60 min ago', 0, 'start'], ['30 min', WIDTH / 2, 'middle'], ['now', WIDTH, 'end']] as const) {
      chart.append(svg('text', { x, y: HEIGHT - 4, 'text-anchor': anchor, class: 'tick' }, label))
    }
    const legend = document.createElement('figcaption')
    legend.className = 'legend'
    if (names.size === 0) legend.textContent = 'No edits in the last hour'
    for (const [name, color] of names) {
      const item = document.createElement('span')
      item.className = 'legend-item'
      const swatch = document.createElement('i')
      swatch.style.background = color
      item.append(swatch, name)
      legend.append(item)
    }
    element.replaceChildren(chart, legend)
  }

  const schedule = () => {
    if (scheduled) return
    scheduled = true
    requestAnimationFrame(render)
  }
  render()
  // The window slides even when nobody types.
  setInterval(schedule, 15_000)
  return {
    element,
    add(event) {
      events.push(event)
      schedule()
    },
    clear() {
      events.length = 0
      schedule()
    },
  }
}

/** 1, 2, 5, 10, 20, 50, … at or above `n`. */
function niceCeiling(n: number): number {
  const power = 10 ** Math.floor(Math.log10(n))
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power
  return 10 * power
}
