/**
 * Module hooks (`module.register`) that let this Node (20, which cannot run TypeScript) import the
 * engine fixtures of `@cowrite/testing` (packages/testing/src/*.ts; that package is source only,
 * compiled by nobody but vitest): a `.ts` file of that package is transpiled on load with
 * TypeScript's `transpileModule` (types stripped, nothing checked), and its `./x.js` imports
 * resolve to the `./x.ts` beside it. Every other module loads as usual.
 */
import { readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

interface ResolveContext {
  parentURL?: string
}
interface LoadContext {
  format?: string | null
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string; format?: string | null; shortCircuit?: boolean }>
type NextLoad = (url: string, context: LoadContext) => Promise<{ format: string; source?: string | ArrayBuffer | Uint8Array | null; shortCircuit?: boolean }>

/** The fixtures' directory (`file:///…/packages/testing/src/`), handed over by `register`'s `data`. */
let root = ''

export function initialize(data: { root: string }): void {
  root = data.root
}

const ours = (url: string | undefined) => Boolean(url && root && url.startsWith(root))

export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve) {
  if (ours(context.parentURL) && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const asTs = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL)
    if (existsSync(fileURLToPath(asTs))) return { url: asTs.href, format: 'module', shortCircuit: true }
  }
  return nextResolve(specifier, context)
}

export async function load(url: string, context: LoadContext, nextLoad: NextLoad) {
  if (!ours(url) || !url.endsWith('.ts')) return nextLoad(url, context)
  const path = fileURLToPath(url)
  const { outputText } = ts.transpileModule(await readFile(path, 'utf8'), {
    fileName: path,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true },
  })
  return { format: 'module', source: outputText, shortCircuit: true }
}
