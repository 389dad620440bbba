/**
 * End-to-end delivery bookkeeping shared by the latency scenarios: each source numbers what it
 * sends 0, 1, 2, … (for a Yjs client that is its clock: one single-character insert advances it by
 * one), each receiver reports how far it has got per source, and an item's latency is the time
 * from its sending until the last of its receivers has it. `startWindow` makes everything sent
 * before it (a warm-up) uncounted.
 */
import * as Y from 'yjs'

export class Deliveries {
  private readonly sentAt: number[][]
  private readonly missing: number[][]
  /** Per receiver, per source: how many items it has. */
  private readonly seen: Int32Array[]
  /** Per source: its first item that counts (the ones before were sent before `startWindow`). */
  private readonly firstCounted: number[]
  readonly latencies: number[] = []
  /** [time delivered to all, latency] per item, in delivery order. */
  readonly timeline: Array<[number, number]> = []
  delivered = 0
  completed = 0
  /**
   * With `classify`: per class, the latency of every single delivery (item sent until this one
   * receiver has it), e.g. receivers on the sender's instance against those on another.
   */
  readonly byClass: number[][] = []

  constructor(
    sources: number,
    receivers: number,
    /** Whether receiver `r` receives source `s`'s items (not its own). */
    private readonly receives: (receiver: number, source: number) => boolean,
    /** The class (0, 1, …) of the pair, for `byClass`; none: per-delivery latencies are not kept. */
    private readonly classify?: (receiver: number, source: number) => number,
  ) {
    this.sentAt = Array.from({ length: sources }, () => [])
    this.missing = Array.from({ length: sources }, () => [])
    this.seen = Array.from({ length: receivers }, () => new Int32Array(sources))
    this.firstCounted = Array.from({ length: sources }, () => 0)
    this.receiversPerSource = Array.from({ length: sources }, (_, s) => {
      let count = 0
      for (let r = 0; r < receivers; r++) if (receives(r, s)) count++
      return count
    })
  }

  private readonly receiversPerSource: number[]

  /**
   * Count only items sent from now on. Earlier ones still in flight are tracked as before (so
   * receivers' progress stays right) but add no delivery, latency or completion: one sent at the
   * boundary is neither a latency nor undelivered.
   */
  startWindow(): void {
    this.sentAt.forEach((list, source) => (this.firstCounted[source] = list.length))
    this.latencies.length = 0
    this.timeline.length = 0
    this.byClass.length = 0
    this.delivered = 0
    this.completed = 0
  }

  /** Source `source` sent its next item now; returns the item's number. */
  sent(source: number, at = performance.now()): number {
    const seq = this.sentAt[source]!.length
    this.sentAt[source]!.push(at)
    this.missing[source]!.push(this.receiversPerSource[source]!)
    return seq
  }

  sentCount(source: number): number {
    return this.sentAt[source]!.length
  }

  /** Receiver `receiver` now has source `source`'s items up to `upTo` (exclusive). */
  reached(receiver: number, source: number, upTo: number, now = performance.now()): void {
    const seen = this.seen[receiver]!
    const missing = this.missing[source]!
    const sentAt = this.sentAt[source]!
    const first = this.firstCounted[source]!
    const perDelivery = this.classify ? (this.byClass[this.classify(receiver, source)] ??= []) : undefined
    for (let item = seen[source]!; item < upTo && item < missing.length; item++) {
      const left = --missing[item]!
      if (item < first) continue
      this.delivered++
      perDelivery?.push(now - sentAt[item]!)
      if (left === 0) {
        const latency = now - sentAt[item]!
        this.latencies.push(latency)
        this.timeline.push([now, latency])
        this.completed++
      }
    }
    seen[source] = Math.max(seen[source]!, Math.min(upTo, missing.length))
  }

  /** The least any receiver has of `source`'s items. */
  minReached(source: number): number {
    let min = Infinity
    for (let r = 0; r < this.seen.length; r++) if (this.receives(r, source)) min = Math.min(min, this.seen[r]![source]!)
    return min === Infinity ? 0 : min
  }

  /** Items sent since `startWindow` (without one: since the start). */
  get totalSent(): number {
    return this.sentAt.reduce((sum, list, source) => sum + list.length - this.firstCounted[source]!, 0)
  }

  /** Let receiver `receiver`'s doc report progress of each source client on every update. */
  watch(receiver: number, doc: Y.Doc, sourceClientIds: readonly number[]): void {
    doc.on('update', () => {
      const now = performance.now()
      for (let source = 0; source < sourceClientIds.length; source++) {
        if (!this.receives(receiver, source)) continue
        this.reached(receiver, source, Y.getState(doc.store, sourceClientIds[source]!), now)
      }
    })
  }
}

/** The size of a y-websocket sync-update message carrying one single-character insert into a shared text. */
export function typicalInsertMessageBytes(atEnd: boolean): number {
  const base = new Y.Doc()
  const text = base.getText('content')
  for (let i = 0; i < 5; i++) {
    const other = new Y.Doc()
    Y.applyUpdate(other, Y.encodeStateAsUpdate(base))
    for (let j = 0; j < 50; j++) other.getText('content').insert((j * 7) % (other.getText('content').length + 1), 'x')
    Y.applyUpdate(base, Y.encodeStateAsUpdate(other))
  }
  const writer = new Y.Doc()
  Y.applyUpdate(writer, Y.encodeStateAsUpdate(base))
  let update: Uint8Array = new Uint8Array()
  writer.getText('content').insert(0, 'y') // so the measured insert follows one of the writer's own
  writer.on('update', (u: Uint8Array) => (update = u))
  writer.getText('content').insert(atEnd ? text.length + 1 : 100, 'z')
  // varUint(0) varUint(2) varUint(length) payload
  return 2 + (update.byteLength < 128 ? 1 : 2) + update.byteLength
}
