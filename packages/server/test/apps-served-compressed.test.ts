/**
 * The apps' files go out compressed to browsers that accept it: brotli first, else gzip, as
 * `Accept-Encoding` weighs them; each encoding with its own ETag and `Vary: Accept-Encoding`, so a
 * cache never hands one to a client that asked for another; hashed assets cached for good; small
 * files and clients that accept nothing get the bytes as they are.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { tempDir } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'

const scope = useScope()

/** GET without fetch's transparent decompression: the raw bytes and headers. */
function rawGet(url: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('app files', () => {
  it('are compressed as the client accepts, each encoding with its own ETag', async () => {
    const dir = tempDir(scope)
    mkdirSync(join(dir, 'assets'))
    const script = Array.from({ length: 4000 }, (_, i) => `export const value${i} = ${i} * 2 // line ${i}`).join('\n')
    writeFileSync(join(dir, 'assets', 'index-AbCdEf12.js'), script)
    writeFileSync(join(dir, 'assets', 'tiny-AbCdEf12.css'), 'body{margin:0}')
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>')
    const server = await startServer(scope, { editorDir: dir })
    const url = `${server.url}/assets/index-AbCdEf12.js`

    const br = await rawGet(url, { 'Accept-Encoding': 'gzip, deflate, br' })
    expect(br.status).toBe(200)
    expect(br.headers['content-encoding']).toBe('br')
    expect(br.headers.vary).toBe('Accept-Encoding')
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(Number(br.headers['content-length'])).toBe(br.body.length)
    expect(br.body.length).toBeLessThan(script.length / 4)
    expect(brotliDecompressSync(br.body).toString()).toBe(script)

    const gzip = await rawGet(url, { 'Accept-Encoding': 'br;q=0, gzip' })
    expect(gzip.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gzip.body).toString()).toBe(script)
    expect(gzip.headers.etag).not.toBe(br.headers.etag)

    const identity = await rawGet(url, {})
    expect(identity.headers['content-encoding']).toBeUndefined()
    expect(identity.body.toString()).toBe(script)

    // Revalidation per representation: the brotli ETag is current for brotli only.
    expect((await rawGet(url, { 'Accept-Encoding': 'br', 'If-None-Match': String(br.headers.etag) })).status).toBe(304)
    expect((await rawGet(url, { 'Accept-Encoding': 'gzip', 'If-None-Match': String(br.headers.etag) })).status).toBe(200)
    const head = await rawGet(url, { 'Accept-Encoding': 'br' }, 'HEAD')
    expect(head.headers['content-length']).toBe(br.headers['content-length'])
    expect(head.body.length).toBe(0)

    const tiny = await rawGet(`${server.url}/assets/tiny-AbCdEf12.css`, { 'Accept-Encoding': 'br' })
    expect(tiny.headers['content-encoding']).toBeUndefined()
    expect(tiny.body.toString()).toBe('body{margin:0}')
  })
})
