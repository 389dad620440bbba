/**
 * A socket held above `rateLimit` messages per second for 10 s is closed with 1008 and logged.
 * The 10 s grace is a constant, so this file takes about 11 s. The rate is low: one read chunk
 * of small frames is then minutes of debt, which must not put the grace check to sleep.
 */
import { describe, it } from 'vitest'
import { floodIsClosedWith1008 } from './helpers/flood.js'
import { useScope } from './helpers/scope.js'

const scope = useScope()

describe('rate limit', () => {
  it('closes a socket held above 100 messages/s for 10 s with 1008', async () => {
    await floodIsClosedWith1008(scope, 100)
  }, 30_000)
})
