/**
 * Request bodies of the write routes, read whole and bounded: a body over the limit is refused
 * with 413 as soon as it is known to be (by its Content-Length, or once the bytes pass it), so a
 * client cannot make the server hold more than `--max-message` for it.
 */
import type { IncomingMessage } from 'node:http'
import { HttpError } from './http-error.js'

/** The whole body, at most `limit` bytes. */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'])
  if (declared > limit) throw new HttpError(413, `body of ${declared} bytes is over the limit of ${limit}`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength
    if (size > limit) throw new HttpError(413, `body is over the limit of ${limit} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size)
}

/** A JSON object body; anything else is a 400 saying what was wrong. */
export async function readJsonObject(request: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const body = await readBody(request, limit)
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    throw new HttpError(400, 'body is not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'body must be a JSON object')
  return value as Record<string, unknown>
}
