/**
 * Structured logs: pino JSON on stderr, so stdout stays free for the CLI's one plain line.
 */
import { pino, type Logger } from 'pino'

export type { Logger }

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'cowrite' } }, pino.destination({ fd: 2, sync: false }))
}
