import { expect, it } from 'vitest'
import { pillText } from '../src/connection-pill.js'

it.each([
  [{ status: 'connecting', attempt: 1 }, false, 'Connecting…'],
  [{ status: 'connecting', attempt: 3 }, false, 'Reconnecting…'],
  [{ status: 'synced' }, false, 'Connected'],
  [{ status: 'synced' }, true, 'Read-only'],
  [{ status: 'reconnecting', attempt: 2, retryAt: 10_000 + 2_400 }, false, 'Reconnecting in 3 s…'],
  [{ status: 'reconnecting', attempt: 2, retryAt: 10_000 + 3_000 }, false, 'Reconnecting in 3 s…'],
  [{ status: 'reconnecting', attempt: 2, retryAt: 10_000 - 50 }, false, 'Reconnecting in 1 s…'],
  [{ status: 'offline' }, false, 'Offline: your edits are kept and will sync'],
  [{ status: 'denied', code: 403 }, false, 'Access denied'],
] as const)('%o (read-only %s) reads %s', (state, readOnly, text) => {
  expect(pillText(state, readOnly, 10_000)).toBe(text)
})
