/**
 * A raw Server-Sent Events reader over `node:http`: it keeps every field the server wrote
 * (ids, comments, `retry:`), so tests can check the wire format itself and not only what an
 * EventSource would surface.
 */
import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { decodeStreamEvent, type StreamEvent } from '@cowrite/protocol'
import type { Scope } from './scope.js'
import { waitUntil } from './wait.js'

export interface SseMessage {
  id: string | undefined
  event: string
  data: string
}

export interface SseStream {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly response: IncomingMessage
  /** Every dispatched message, in order. */
  readonly messages: SseMessage[]
  /** Comment lines (`: ping`), without the colon. */
  readonly comments: string[]
  /** Every `retry:` value, in order. */
  readonly retries: number[]
  /** The raw text received so far. */
  raw(): string
  /** Typed events, decoded with the protocol package's decoder. */
  events(): StreamEvent[]
  /** Resolve once `condition` holds over the events received. */
  waitFor(what: string, condition: (events: StreamEvent[]) => boolean, timeoutMs?: number): Promise<StreamEvent[]>
  readonly ended: Promise<void>
  close(): void
}

export function openSse(scope: Scope, url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Accept: 'text/event-stream', ...headers }, agent: false })
    req.on('error', reject)
    req.on('response', (response) => {
      const messages: SseMessage[] = []
      const comments: string[] = []
      const retries: number[] = []
      let raw = ''
      let buffer = ''
      let current: { id?: string; event?: string; data: string[] } = { data: [] }
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        raw += chunk
        buffer += chunk
        let newline: number
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline)
          buffer = buffer.slice(newline + 1)
          if (line === '') {
            if (current.data.length > 0) messages.push({ id: current.id, event: current.event ?? 'message', data: current.data.join('\n') })
            current = { data: [] }
          } else if (line.startsWith(':')) comments.push(line.slice(1).trim())
          else {
            const colon = line.indexOf(':')
            const field = colon < 0 ? line : line.slice(0, colon)
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
            if (field === 'id') current.id = value
            else if (field === 'event') current.event = value
            else if (field === 'data') current.data.push(value)
            else if (field === 'retry') retries.push(Number(value))
          }
        }
      })
      const ended = new Promise<void>((resolveEnd) => response.on('close', () => resolveEnd()))
      const events = () => messages.filter((m) => m.event !== 'message').map((m) => decodeStreamEvent(m.event, m.data))
      const stream: SseStream = {
        status: response.statusCode ?? 0,
        headers: response.headers,
        response,
        messages,
        comments,
        retries,
        raw: () => raw,
        events,
        async waitFor(what, condition, timeoutMs) {
          await waitUntil(what, () => condition(events()), { on: [[response, 'data']], timeoutMs })
          return events()
        },
        ended,
        close: () => req.destroy(),
      }
      scope.defer(() => req.destroy())
      resolve(stream)
    })
    req.end()
  })
}
