/**
 * The apps' files compressed for browsers that accept it (brotli, else gzip), each compressed
 * once per process and kept: an editor load is ~640 KiB of JavaScript, ~200 KiB as brotli. The
 * work runs on libuv's thread pool (zlib's async API), never on the event loop.
 */
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'

export type Encoding = 'br' | 'gzip'

/** Types worth compressing (images and fonts are compressed already). */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt', '.webmanifest', '.wasm'])
/** Smaller files gain less than the headers cost; larger ones are streamed as they are. */
const MIN_BYTES = 1024
const MAX_BYTES = 16 * 1024 * 1024
/** Brotli 9: 201 KiB for the editor's bundle in ~0.3 s, once (11 saves 8% more for 7× the time). */
const BROTLI_QUALITY = 9

const brotli = promisify(brotliCompress)
const gzipped = promisify(gzip)

/** The encoding to answer with for an `Accept-Encoding` header, or null for none. */
export function pickEncoding(acceptEncoding: string | undefined): Encoding | null {
  if (!acceptEncoding) return null
  const accepted = new Map<string, number>()
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';')
    const q = params.map((param) => /^\s*q=([0-9.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined)
    accepted.set(name!, q === undefined ? 1 : Number(q))
  }
  const weight = (encoding: Encoding) => accepted.get(encoding) ?? (accepted.get('*') ?? 0)
  if (weight('br') > 0) return 'br'
  if (weight('gzip') > 0) return 'gzip'
  return null
}

export interface CompressedFiles {
  /** The file's bytes in `encoding`, or null when it is not worth compressing. */
  get(path: string, size: number, mtimeMs: number, encoding: Encoding): Promise<Buffer | null>
}

export function createCompressedFiles(): CompressedFiles {
  /** By path and encoding: the version it was made from, and the bytes (a promise while compressing). */
  const cache = new Map<string, { version: string; bytes: Promise<Buffer> }>()
  return {
    get(path, size, mtimeMs, encoding) {
      if (!COMPRESSIBLE.has(extname(path).toLowerCase()) || size < MIN_BYTES || size > MAX_BYTES) return Promise.resolve(null)
      const key = `${encoding}:${path}`
      const version = `${size}:${mtimeMs}`
      const cached = cache.get(key)
      if (cached?.version === version) return cached.bytes
      const bytes = readFile(path).then((raw) =>
        encoding === 'br'
          ? brotli(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } })
          : gzipped(raw, { level: 9 }),
      )
      cache.set(key, { version, bytes })
      // A failed read (the file replaced mid-build) is not kept.
      bytes.catch(() => {
        if (cache.get(key)?.bytes === bytes) cache.delete(key)
      })
      return bytes
    },
  }
}
