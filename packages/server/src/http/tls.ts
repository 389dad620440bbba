/**
 * The certificate an HTTPS server presents: a PEM certificate file (the chain an ACME client
 * writes as `fullchain.pem` works as it is) and its PEM private key, read and checked as a pair.
 * Serving them is left to tls-server.ts; when to read them again (SIGHUP) to the CLI.
 */
import { X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createSecureContext } from 'node:tls'

/** Paths of the PEM files: the certificate (with its chain, if any) and the private key. */
export interface TlsFiles {
  cert: string
  key: string
}

/** A certificate and key read from their files and known to make a pair. */
export interface Certificate {
  cert: Buffer
  key: Buffer
  /** The leaf certificate's subject, e.g. `CN=example.org`, for logs. */
  subject: string
  /** When the leaf certificate expires. */
  validTo: Date
  /** SHA-256 fingerprint of the leaf certificate, `AA:BB:…`, for logs. */
  fingerprint: string
}

/** Files that cannot be served: unreadable, not PEM, or a certificate and key that do not match. */
export class TlsFilesError extends Error {}

/**
 * Read both files and check them as OpenSSL will use them. Rejects with a `TlsFilesError` naming
 * the file and what is wrong with it; nothing is half-read, so a failed reload changes nothing.
 */
export async function readCertificate(files: TlsFiles): Promise<Certificate> {
  const [cert, key] = await Promise.all([readPem(files.cert, 'certificate', 'CERTIFICATE'), readPem(files.key, 'private key', 'PRIVATE KEY')])
  // A key with a passphrase: the server has no way to ask for it.
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key.toString('latin1'))) {
    throw new TlsFilesError(`TLS private key ${files.key} is encrypted: give the server an unencrypted key (readable by its user only)`)
  }
  let leaf: X509Certificate
  try {
    leaf = new X509Certificate(cert)
  } catch (error) {
    throw new TlsFilesError(`TLS certificate ${files.cert} is not a valid PEM certificate: ${(error as Error).message}`)
  }
  try {
    // What the TLS server will build from them: this refuses a malformed key and a key that
    // belongs to another certificate ("key values mismatch").
    createSecureContext({ cert, key })
  } catch (error) {
    throw new TlsFilesError(`TLS certificate ${files.cert} and key ${files.key} cannot be used together: ${(error as Error).message}`)
  }
  return { cert, key, subject: leaf.subject.replace(/\n/g, ', '), validTo: new Date(leaf.validTo), fingerprint: leaf.fingerprint256 }
}

async function readPem(path: string, what: string, label: string): Promise<Buffer> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (error) {
    const code = (error as { code?: string }).code
    throw new TlsFilesError(`cannot read TLS ${what} ${path}: ${(error as Error).message}${code && !(error as Error).message.includes(code) ? ` (${code})` : ''}`)
  }
  // `BEGIN CERTIFICATE`, `BEGIN PRIVATE KEY`, `BEGIN RSA PRIVATE KEY`, `BEGIN EC PRIVATE KEY`…
  if (!new RegExp(`-----BEGIN [A-Z0-9 ]*${label}-----`).test(bytes.toString('latin1'))) {
    throw new TlsFilesError(`TLS ${what} ${path} is not a PEM ${what} (no "-----BEGIN …${label}-----" line)`)
  }
  return bytes
}
