/**
 * Sockets below the stock client: a `ws` socket that sends whatever bytes a test wants, and a
 * raw TCP socket that performs the upgrade by hand (to write several frames in one segment, or
 * to never read at all).
 */
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { WebSocket } from 'ws'
import type { Scope } from './scope.js'
import { nextEvent } from './wait.js'

export interface CloseInfo {
  code: number
  reason: string
}

const closes = new WeakMap<WebSocket, Promise<CloseInfo>>()

/** Open a `ws` socket to `room` and resolve once it is open. */
export async function openSocket(scope: Scope, wsUrl: string, room: string, timeoutMs?: number): Promise<WebSocket> {
  const socket = new WebSocket(`${wsUrl}/${room}`)
  socket.on('error', () => {}) // failures surface as 'close' or a timeout
  closes.set(socket, new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))))
  scope.defer(() => socket.terminate())
  await nextEvent(socket, 'open', timeoutMs)
  return socket
}

/** Resolve with the close code and reason a socket from `openSocket` saw, once it is closed. */
export function closed(socket: WebSocket, timeoutMs = 5_000): Promise<CloseInfo> {
  const close = closes.get(socket)
  if (!close) throw new Error('closed() needs a socket made by openSocket()')
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs)
  })
  return Promise.race([close, timeout]).finally(() => clearTimeout(timer))
}

/** One client-to-server frame (always masked, as RFC 6455 requires). */
export function encodeFrame(payload: Uint8Array, { opcode = 0x2, mask = randomBytes(4) }: { opcode?: number; mask?: Uint8Array } = {}): Buffer {
  const length = payload.byteLength
  const header = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10)
  header[0] = 0x80 | opcode
  if (length < 126) header[1] = 0x80 | length
  else if (length < 65536) {
    header[1] = 0x80 | 126
    header.writeUInt16BE(length, 2)
  } else {
    header[1] = 0x80 | 127
    header.writeBigUInt64BE(BigInt(length), 2)
  }
  const body = Buffer.from(payload)
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!
  return Buffer.concat([header, Buffer.from(mask), body])
}

export interface RawUpgrade {
  socket: Socket
  /** Status line and headers of the server's answer. */
  status: number
  /** Whatever arrived after the header block (body of a refusal, or first frames). */
  rest: Buffer
}

/**
 * Do the HTTP upgrade by hand on a TCP socket. With `pauseAfter`, the socket stops reading as
 * soon as the answer's headers are in: a consumer that never reads.
 */
export async function rawUpgrade(scope: Scope, url: string, path: string, { pauseAfter = false, timeoutMs = 5_000 } = {}): Promise<RawUpgrade> {
  const { hostname, port } = new URL(url)
  const socket = connect({ host: hostname, port: Number(port) })
  socket.on('error', () => {})
  scope.defer(() => socket.destroy())
  await nextEvent(socket, 'connect', timeoutMs)
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  )
  let received = Buffer.alloc(0)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no upgrade answer for ${path} in ${timeoutMs} ms`)), timeoutMs)
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      const end = received.indexOf('\r\n\r\n')
      if (end < 0) return
      clearTimeout(timer)
      socket.off('data', onData)
      if (pauseAfter) socket.pause()
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received.subarray(0, end).toString())?.[1])
      resolve({ socket, status, rest: received.subarray(end + 4) })
    }
    socket.on('data', onData)
  })
}

/** Read the rest of a refused upgrade's answer (until the server closes the socket). */
export async function readToEnd(socket: Socket, already: Buffer, timeoutMs = 5_000): Promise<string> {
  const chunks = [already]
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  if (!socket.readableEnded) await nextEvent(socket, 'end', timeoutMs)
  return Buffer.concat(chunks).toString()
}

export interface ServerFrame {
  opcode: number
  payload: Buffer
}

/**
 * Parse the server's (unmasked) frames arriving on a raw socket, starting with `already`.
 * `closeCode()` resolves with the code of the server's close frame, or 1006 if the TCP
 * connection ends without one.
 */
export function readServerFrames(socket: Socket, already: Buffer = Buffer.alloc(0)) {
  const frames: ServerFrame[] = []
  let pending = already
  let ended = false
  const waiters: Array<() => void> = []
  const parse = () => {
    for (;;) {
      if (pending.length < 2) return
      let length = pending[1]! & 0x7f
      let offset = 2
      if (length === 126) {
        if (pending.length < 4) return
        length = pending.readUInt16BE(2)
        offset = 4
      } else if (length === 127) {
        if (pending.length < 10) return
        length = Number(pending.readBigUInt64BE(2))
        offset = 10
      }
      if (pending.length < offset + length) return
      frames.push({ opcode: pending[0]! & 0x0f, payload: pending.subarray(offset, offset + length) })
      pending = pending.subarray(offset + length)
    }
  }
  parse()
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk])
    parse()
    for (const waiter of waiters.splice(0)) waiter()
  })
  socket.on('close', () => {
    ended = true
    for (const waiter of waiters.splice(0)) waiter()
  })
  return {
    frames,
    closeCode(timeoutMs = 5_000): Promise<number> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no close frame within ${timeoutMs} ms`)), timeoutMs)
        const check = () => {
          const close = frames.find((frame) => frame.opcode === 0x8)
          if (close || ended) {
            clearTimeout(timer)
            resolve(close ? close.payload.readUInt16BE(0) : 1006)
          } else waiters.push(check)
        }
        check()
      })
    },
  }
}

export interface RawAnswer {
  /** 0 when the server closed the connection without an answer. */
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * Write `request` (any bytes: a hostile request line, oversized headers) on a fresh TCP
 * connection and read the answer until the server closes it. A streaming answer (SSE, a
 * WebSocket upgrade) resolves as soon as its headers are in.
 */
export async function rawRequest(scope: Scope, url: string, request: string | Buffer, timeoutMs = 5_000): Promise<RawAnswer> {
  const { hostname, port } = new URL(url)
  const socket = connect({ host: hostname, port: Number(port) })
  socket.on('error', () => {})
  scope.defer(() => socket.destroy())
  await nextEvent(socket, 'connect', timeoutMs)
  socket.write(request)
  let received: Buffer = Buffer.alloc(0)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no complete answer within ${timeoutMs} ms to ${JSON.stringify(String(request).slice(0, 120))}`)), timeoutMs)
    const finish = () => {
      clearTimeout(timer)
      socket.destroy()
      received = skipContinue(received)
      const end = received.indexOf('\r\n\r\n')
      if (end < 0) return resolve({ status: 0, headers: {}, body: received.toString() })
      const [statusLine, ...lines] = received.subarray(0, end).toString().split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const colon = line.indexOf(':')
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0), headers, body: received.subarray(end + 4).toString() })
    }
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      const answer = skipContinue(received)
      const end = answer.indexOf('\r\n\r\n')
      if (end < 0) return
      const head = answer.subarray(0, end).toString()
      // A stream (SSE) or a WebSocket never ends by itself: its headers are the answer.
      if (/^HTTP\/1\.1 101 /.test(head) || /content-type: text\/event-stream/i.test(head)) finish()
    })
    socket.on('close', finish)
  })
}

/** The answer after any interim `100 Continue` (sent for `Expect: 100-continue`). */
function skipContinue(received: Buffer): Buffer {
  const interim = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n')
  let answer = received
  while (answer.subarray(0, interim.length).equals(interim)) answer = answer.subarray(interim.length)
  return answer
}
