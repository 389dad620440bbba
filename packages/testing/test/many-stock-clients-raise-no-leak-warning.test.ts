/**
 * y-websocket adds a process `exit` listener per provider in Node, so tests holding dozens of
 * stock clients at once used to print Node's MaxListenersExceededWarning (11 exit listeners)
 * without leaking anything. Each live stock client now owns its listener in the limit, and gives
 * it back once destroyed.
 */
import { afterEach, expect, it } from 'vitest'
import { createStockClient, type StockClient } from '../src/index.js'

const clients: StockClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy()
})

it('fifty live stock clients raise no warning, and the limit is back once they are destroyed', async () => {
  const warnings: Error[] = []
  const onWarning = (warning: Error) => warnings.push(warning)
  process.on('warning', onWarning)
  const limit = process.getMaxListeners()
  try {
    // No server needed: the listener is added when the provider is made (port 9 refuses at once).
    for (let i = 0; i < 50; i++) clients.push(createStockClient('ws://127.0.0.1:9', `room-${i}`, { user: null }))
    expect(process.listenerCount('exit')).toBeGreaterThanOrEqual(50)
    for (const client of clients) client.destroy()
    // Destroying twice gives nothing back twice.
    for (const client of clients) client.destroy()
    expect(process.getMaxListeners()).toBe(limit)
    // Node emits warnings on the next tick.
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('warning', onWarning)
  }
  expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([])
})
