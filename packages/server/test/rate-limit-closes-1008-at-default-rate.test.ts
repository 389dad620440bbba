/**
 * A socket held above `rateLimit` messages per second for 10 s is closed with 1008 and logged.
 * The 10 s grace is a constant, so this file takes about 11 s. The rate is the default: a resume
 * timer firing 1 ms late then refills a whole token, which must not count as slowing down.
 */
import { describe, it } from 'vitest'
import { floodIsClosedWith1008 } from './helpers/flood.js'
import { useScope } from './helpers/scope.js'

const scope = useScope()

describe('rate limit', () => {
  it('closes a socket held above 1000 messages/s for 10 s with 1008', async () => {
    await floodIsClosedWith1008(scope, 1000)
  }, 30_000)
})
