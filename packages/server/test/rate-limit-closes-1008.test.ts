/**
 * A socket held above `rateLimit` messages per second for longer than the grace (2 s here, 10 s
 * by default) is closed with 1008 and logged. At a low rate one read chunk of small frames is
 * minutes of debt, which must not put the grace check to sleep; at the default rate a resume
 * timer firing 1 ms late refills a whole token, which must not count as slowing down.
 */
import { describe, it } from 'vitest'
import { floodIsClosedWith1008 } from './helpers/flood.js'
import { useScope } from './helpers/scope.js'

const scope = useScope()

describe('rate limit', () => {
  it('closes a socket held above 100 messages/s past the grace with 1008', async () => {
    await floodIsClosedWith1008(scope, 100)
  })

  it('closes a socket held above 1000 messages/s (the default) past the grace with 1008', async () => {
    await floodIsClosedWith1008(scope, 1000)
  })
})
