import { CloseCode } from '@cowrite/protocol'
import { describe, expect, it } from 'vitest'
import { createConnectionMachine, type AccessCheck, type ConnectionState } from '../src/connection-state.js'

/** A fake clock whose timers run only when the test advances time. */
function fakeClock() {
  let now = 1_000_000
  let nextId = 1
  const timers = new Map<number, { at: number; callback: () => void }>()
  return {
    now: () => now,
    timers: {
      set(callback: () => void, ms: number) {
        const id = nextId++
        timers.set(id, { at: now + ms, callback })
        return id
      },
      clear(handle: unknown) {
        timers.delete(handle as number)
      },
    },
    pending: () => timers.size,
    advance(ms: number) {
      const until = now + ms
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0]
        if (!due) break
        timers.delete(due[0])
        now = due[1].at
        due[1].callback()
      }
      now = until
    },
  }
}

/** A machine over a fake clock, a fixed random() and a scripted access check. */
function harness(options: { random?: number; online?: boolean; access?: AccessCheck; renewsToken?: boolean } = {}) {
  const clock = fakeClock()
  let online = options.online ?? true
  let access: AccessCheck = options.access ?? { result: 'unreachable' }
  let pendingChecks: Array<() => void> = []
  let opens = 0
  const states: ConnectionState[] = []
  const machine = createConnectionMachine({
    open: () => void opens++,
    checkAccess: () => new Promise<AccessCheck>((resolve) => pendingChecks.push(() => resolve(access))),
    isOnline: () => online,
    now: clock.now,
    timers: clock.timers,
    random: () => options.random ?? 0.5,
    baseMs: 1000,
    maxMs: 30_000,
    renewsToken: options.renewsToken,
  })
  machine.subscribe((state) => states.push(state))
  return {
    machine,
    clock,
    states,
    opens: () => opens,
    setOnline: (value: boolean) => void (online = value),
    setAccess: (value: AccessCheck) => void (access = value),
    /** Answer every access check asked so far, and let the promise callbacks run. */
    async answerChecks() {
      const checks = pendingChecks
      pendingChecks = []
      for (const answer of checks) answer()
      await new Promise((resolve) => setImmediate(resolve))
    },
    pendingChecks: () => pendingChecks.length,
  }
}

describe('connection state machine', () => {
  it('connects at start and reports synced once the server state arrived', () => {
    const h = harness()
    h.machine.start()
    expect(h.machine.state).toEqual({ status: 'connecting', attempt: 1 })
    expect(h.opens()).toBe(1)
    h.machine.opened()
    expect(h.machine.state.status).toBe('connecting')
    h.machine.synced()
    expect(h.machine.state).toEqual({ status: 'synced' })
  })

  it('starts offline when the browser has no network, and connects at once when it returns', () => {
    const h = harness({ online: false })
    h.machine.start()
    expect(h.machine.state).toEqual({ status: 'offline' })
    expect(h.opens()).toBe(0)
    h.setOnline(true)
    h.machine.online()
    expect(h.machine.state).toEqual({ status: 'connecting', attempt: 1 })
    expect(h.opens()).toBe(1)
  })

  it('after losing a synced connection, reconnects after a jittered delay and says when', () => {
    const h = harness({ random: 0.5 })
    h.machine.start()
    h.machine.opened()
    h.machine.synced()
    const lostAt = h.clock.now()
    h.machine.closed({ wasOpen: true, code: 1001 })
    // failure 1: ceiling 1000 ms, random 0.5 → 750 ms
    expect(h.machine.state).toEqual({ status: 'reconnecting', attempt: 2, retryAt: lostAt + 750 })
    h.clock.advance(749)
    expect(h.opens()).toBe(1)
    h.clock.advance(1)
    expect(h.opens()).toBe(2)
    expect(h.machine.state).toEqual({ status: 'connecting', attempt: 2 })
  })

  it('doubles the wait on every consecutive failure up to the cap, and starts over after a sync', async () => {
    const h = harness({ random: 0.999 })
    h.machine.start()
    h.machine.opened()
    h.machine.synced()
    h.machine.closed({ wasOpen: true })
    const waits: number[] = []
    for (let i = 0; i < 7; i++) {
      const state = h.machine.state
      if (state.status !== 'reconnecting') throw new Error(`expected reconnecting, got ${state.status}`)
      waits.push(state.retryAt - h.clock.now())
      h.clock.advance(state.retryAt - h.clock.now())
      // The server is still down: the socket closes without opening, the probe finds nobody.
      h.machine.closed({ wasOpen: false })
      expect(h.machine.state.status).toBe('connecting')
      await h.answerChecks()
    }
    expect(waits).toEqual([1000, 1999, 3998, 7996, 15_992, 29_985, 29_985])
    h.clock.advance(30_000)
    h.machine.opened()
    h.machine.synced()
    h.machine.closed({ wasOpen: true })
    const state = h.machine.state
    expect(state.status === 'reconnecting' && state.retryAt - h.clock.now()).toBe(1000)
  })

  it('keeps the jittered wait within [ceiling/2, ceiling] at both ends of random()', () => {
    for (const [random, expected] of [
      [0, 500],
      [0.999_999, 1000],
    ] as const) {
      const h = harness({ random })
      h.machine.start()
      h.machine.opened()
      h.machine.closed({ wasOpen: true })
      const state = h.machine.state
      expect(state.status).toBe('reconnecting')
      expect(state.status === 'reconnecting' && state.retryAt - h.clock.now()).toBe(expected)
    }
  })

  it('a connection that opens but never syncs still backs off (no tight loop against a flapping server)', () => {
    const h = harness({ random: 0 })
    h.machine.start()
    for (const expected of [500, 1000, 2000]) {
      h.machine.opened()
      h.machine.closed({ wasOpen: true })
      const state = h.machine.state
      expect(state.status === 'reconnecting' && state.retryAt - h.clock.now()).toBe(expected)
      h.clock.advance(expected)
    }
  })

  it('reconnects at once when the browser comes back online, cancelling the timer', () => {
    const h = harness()
    h.machine.start()
    h.machine.opened()
    h.machine.synced()
    h.machine.closed({ wasOpen: true })
    expect(h.clock.pending()).toBe(1)
    h.machine.online()
    expect(h.machine.state.status).toBe('connecting')
    expect(h.opens()).toBe(2)
    expect(h.clock.pending()).toBe(0)
    h.clock.advance(60_000)
    expect(h.opens()).toBe(2)
  })

  it('reconnects at once when the tab becomes visible while waiting', () => {
    const h = harness()
    h.machine.start()
    h.machine.opened()
    h.machine.closed({ wasOpen: true })
    h.machine.visible()
    expect(h.machine.state).toEqual({ status: 'connecting', attempt: 2 })
    expect(h.opens()).toBe(2)
    expect(h.clock.pending()).toBe(0)
  })

  it('ignores online and visible while connecting or synced: no second socket', () => {
    const h = harness()
    h.machine.start()
    h.machine.online()
    h.machine.visible()
    h.machine.opened()
    h.machine.synced()
    h.machine.online()
    h.machine.visible()
    expect(h.opens()).toBe(1)
    expect(h.machine.state.status).toBe('synced')
  })

  it('goes offline (and stops the timer) when the network disappears while waiting', () => {
    const h = harness()
    h.machine.start()
    h.machine.opened()
    h.machine.synced()
    h.machine.closed({ wasOpen: true })
    h.setOnline(false)
    h.machine.offline()
    expect(h.machine.state).toEqual({ status: 'offline' })
    expect(h.clock.pending()).toBe(0)
    // Becoming visible while the browser still reports no network does not try.
    h.machine.visible()
    expect(h.opens()).toBe(1)
    h.setOnline(true)
    h.machine.online()
    expect(h.opens()).toBe(2)
  })

  it('keeps a synced socket when the browser says offline (loopback works without a network)', () => {
    const h = harness()
    h.machine.start()
    h.machine.opened()
    h.machine.synced()
    h.setOnline(false)
    h.machine.offline()
    expect(h.machine.state.status).toBe('synced')
    // …and when that socket does close, there is nothing to retry until the network returns.
    h.machine.closed({ wasOpen: true })
    expect(h.machine.state).toEqual({ status: 'offline' })
    expect(h.clock.pending()).toBe(0)
  })

  it.each([401, 403])('a failed open answered %i by the HTTP probe is denied, and stays so', async (code) => {
    const h = harness({ access: { result: 'denied', code } })
    h.machine.start()
    h.machine.closed({ wasOpen: false })
    expect(h.pendingChecks()).toBe(1)
    expect(h.machine.state.status).toBe('connecting')
    await h.answerChecks()
    expect(h.machine.state).toEqual({ status: 'denied', code })
    expect(h.clock.pending()).toBe(0)
    h.machine.online()
    h.machine.visible()
    h.clock.advance(120_000)
    expect(h.opens()).toBe(1)
    // Only an explicit retry tries again.
    h.machine.retry()
    expect(h.opens()).toBe(2)
  })

  it('with a token source, an expired token (4401) or a 401 gets one attempt with a fresh token, then denied', async () => {
    const h = harness({ renewsToken: true, access: { result: 'denied', code: 401 } })
    h.machine.start()
    h.machine.opened()
    h.machine.synced()
    h.machine.closed({ wasOpen: true, code: 4401 })
    expect(h.machine.state.status).toBe('connecting')
    expect(h.opens()).toBe(2)
    // The fresh token is refused too (the probe says 401): that is final.
    h.machine.closed({ wasOpen: false })
    await h.answerChecks()
    expect(h.machine.state).toEqual({ status: 'denied', code: 401 })
    expect(h.opens()).toBe(2)
    // After a sync the allowance is back: a later expiry renews again.
    h.machine.retry()
    h.machine.opened()
    h.machine.synced()
    h.machine.closed({ wasOpen: true, code: 4401 })
    expect(h.machine.state.status).toBe('connecting')
    // A 403 (wrong room, view-only) is never a token to renew.
    h.machine.closed({ wasOpen: true, code: 4403 })
    expect(h.machine.state).toEqual({ status: 'denied', code: 403 })
  })

  it('a failed open with the server up but not refusing (404, 200) is a transient failure', async () => {
    const h = harness({ access: { result: 'allowed' } })
    h.machine.start()
    h.machine.closed({ wasOpen: false })
    await h.answerChecks()
    expect(h.machine.state.status).toBe('reconnecting')
  })

  it('does not probe HTTP after a socket that had opened', () => {
    const h = harness()
    h.machine.start()
    h.machine.opened()
    h.machine.closed({ wasOpen: true })
    expect(h.pendingChecks()).toBe(0)
  })

  it.each([
    [CloseCode.tokenExpired, 401],
    [CloseCode.viewOnly, 403],
    [4404, 4404],
  ])('close code %i means denied (%i) without retrying', (closeCode, code) => {
    const h = harness()
    h.machine.start()
    h.machine.opened()
    h.machine.synced()
    h.machine.closed({ wasOpen: true, code: closeCode })
    expect(h.machine.state).toEqual({ status: 'denied', code })
    expect(h.clock.pending()).toBe(0)
  })

  it('a probe answer arriving after stop changes nothing', async () => {
    const h = harness({ access: { result: 'denied', code: 401 } })
    h.machine.start()
    h.machine.opened()
    h.machine.closed({ wasOpen: true })
    h.clock.advance(1000)
    h.machine.closed({ wasOpen: false }) // probe asked
    h.machine.stop()
    await h.answerChecks()
    expect(h.states.at(-1)?.status).toBe('connecting')
  })

  it('stop clears the timer and silences everything', () => {
    const h = harness()
    h.machine.start()
    h.machine.opened()
    h.machine.closed({ wasOpen: true })
    const seen = h.states.length
    h.machine.stop()
    expect(h.clock.pending()).toBe(0)
    h.machine.online()
    h.machine.retry()
    h.clock.advance(60_000)
    expect(h.opens()).toBe(1)
    expect(h.states.length).toBe(seen)
  })

  it('every state change is reported once, in order', () => {
    const h = harness({ random: 0 })
    h.machine.start()
    h.machine.opened()
    h.machine.synced()
    h.machine.closed({ wasOpen: true })
    h.clock.advance(500)
    expect(h.states.map((s) => s.status)).toEqual(['connecting', 'synced', 'reconnecting', 'connecting'])
  })
})
