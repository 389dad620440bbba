/**
 * A pino logger whose JSON lines are kept in memory, so a test can assert that a server logged
 * a room and a reason for what it did.
 */
import { pino, type Logger } from 'pino'

export interface LogLine {
  level: number
  msg: string
  room?: string
  reason?: string
  code?: number
  [key: string]: unknown
}

export interface LogCapture {
  readonly logger: Logger
  readonly lines: LogLine[]
  /** Lines whose message contains `text`. */
  matching(text: string): LogLine[]
}

export function captureLogs(level = 'debug'): LogCapture {
  const lines: LogLine[] = []
  const logger = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) })
  return {
    logger,
    lines,
    matching: (text) => lines.filter((line) => line.msg.includes(text)),
  }
}
