/**
 * renamed-carets.ts patches the class of y-codemirror.next's caret widget, which the package does
 * not export. This pins what that widget looks like in the installed version: if an upgrade
 * renames its fields or methods, or fixes its comparison upstream, this fails loudly (and the
 * editor falls back to redrawing carets on renames through public API only). The widget is built
 * by the library's own plugin, read from its module file: nothing else reaches the class.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CONTENT } from '@cowrite/protocol'
import { EditorState, type Extension } from '@codemirror/state'
import type { DecorationSet, WidgetType } from '@codemirror/view'
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { isPatchableCaret } from '../src/renamed-carets.js'

const require = createRequire(import.meta.url)
const packageDir = dirname(require.resolve('y-codemirror.next/package.json'))

/** A module of the installed y-codemirror.next, by its file name in src/. */
function librarySource<T>(file: string): Promise<T> {
  return import(pathToFileURL(join(packageDir, 'src', file)).href) as Promise<T>
}

/** The widget as far as this test reads it: whatever fields it has are checked, not assumed. */
type CaretWidget = WidgetType & { color?: unknown; name?: unknown; compare(other: unknown): boolean }

interface RemoteSelectionsPlugin {
  decorations: DecorationSet
  update(update: unknown): void
  destroy(): void
}

/** The caret widget y-codemirror.next's own remote-selections plugin makes for a remote user. */
async function caretWidget(user: { name: string; color: string }): Promise<CaretWidget> {
  const { YRemoteSelectionsPluginValue } = await librarySource<{ YRemoteSelectionsPluginValue: new (view: unknown) => RemoteSelectionsPlugin }>('y-remote-selections.js')
  const { ySyncFacet, YSyncConfig } = await librarySource<{ ySyncFacet: { of(value: unknown): Extension }; YSyncConfig: new (text: Y.Text, awareness: Awareness) => unknown }>('y-sync.js')
  const doc = new Y.Doc()
  const text = doc.getText(CONTENT)
  text.insert(0, 'hello')
  const awareness = new Awareness(doc)
  // A remote user whose caret is at 2, announced the way a stock client announces it.
  const remoteDoc = new Y.Doc()
  Y.applyUpdate(remoteDoc, Y.encodeStateAsUpdate(doc))
  const remote = new Awareness(remoteDoc)
  const caret = Y.createRelativePositionFromTypeIndex(remoteDoc.getText(CONTENT), 2)
  remote.setLocalState({ user, cursor: { anchor: caret, head: caret } })
  applyAwarenessUpdate(awareness, encodeAwarenessUpdate(remote, [remoteDoc.clientID]), 'remote')

  const state = EditorState.create({ doc: text.toString(), extensions: ySyncFacet.of(new YSyncConfig(text, awareness)) })
  // The parts of an EditorView the plugin reads: no DOM is needed until a widget is drawn.
  const view = { state, hasFocus: false, dom: { ownerDocument: { hasFocus: () => false } }, dispatch: () => {} }
  const plugin = new YRemoteSelectionsPluginValue(view)
  plugin.update({ view, state })
  const widgets: WidgetType[] = []
  plugin.decorations.between(0, state.doc.length, (_from, _to, decoration) => {
    const widget = (decoration.spec as { widget?: WidgetType }).widget
    if (widget) widgets.push(widget)
  })
  plugin.destroy()
  awareness.destroy()
  remote.destroy()
  expect(widgets, 'one caret widget for the one remote user').toHaveLength(1)
  return widgets[0] as CaretWidget
}

describe("y-codemirror.next's caret widget", () => {
  it('is the version renamed-carets.ts was checked against', () => {
    const { version } = require('y-codemirror.next/package.json') as { version: string }
    expect(version, 'renamed-carets.ts was checked against y-codemirror.next 0.3.6: check its caret widget again').toBe('0.3.6')
  })

  it('has the fields and methods renamed-carets.ts patches', async () => {
    const widget = await caretWidget({ name: 'Ada', color: '#0090ff' })
    expect(widget.name).toBe('Ada')
    expect(widget.color).toBe('#0090ff')
    const prototype = Object.getPrototypeOf(widget) as Record<string, unknown>
    expect(Object.getOwnPropertyNames(prototype)).toEqual(expect.arrayContaining(['eq', 'compare']))
    expect(isPatchableCaret(widget)).toBe(true)
  })

  it('still compares colours only, the flaw renamed-carets.ts makes up for', async () => {
    const ada = await caretWidget({ name: 'Ada', color: '#0090ff' })
    const renamed = await caretWidget({ name: 'Ada Lovelace', color: '#0090ff' })
    const recoloured = await caretWidget({ name: 'Ada', color: '#e5484d' })
    expect(ada.constructor).toBe(renamed.constructor)
    expect(ada.eq(renamed), 'fixed upstream? then renamed-carets.ts can go').toBe(true)
    expect(ada.compare(renamed), 'fixed upstream? then renamed-carets.ts can go').toBe(true)
    expect(ada.eq(recoloured)).toBe(false)
  })
})

describe('isPatchableCaret', () => {
  class NamedWidget {
    constructor(readonly color: unknown, readonly name: unknown) {}
    eq(): boolean {
      return false
    }
    compare(): boolean {
      return false
    }
  }

  it.each([
    ['a widget with string color and name and both methods', new NamedWidget('#0090ff', 'Ada'), true],
    ['a widget whose user moved into an object', new NamedWidget('#0090ff', { name: 'Ada' }), false],
    ['a widget without a colour', new NamedWidget(undefined, 'Ada'), false],
    ['a widget without compare', Object.assign(Object.create({ eq: () => false }), { color: '#0090ff', name: 'Ada' }), false],
    ['a plain object without methods', { color: '#0090ff', name: 'Ada' }, false],
    ['nothing', undefined, false],
  ])('%s', (_case, widget, patchable) => {
    expect(isPatchableCaret(widget)).toBe(patchable)
  })
})
