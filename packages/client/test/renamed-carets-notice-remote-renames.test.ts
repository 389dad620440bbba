/**
 * Where y-codemirror.next's caret widget cannot be patched, the editor redraws carets when a
 * remote user is renamed (renamed-carets.ts). What counts as a rename is pinned here over real
 * awareness traffic: a remote user's new name is one; arrivals, departures, new colours, moved
 * carets and this client's own changes are not, so carets are not redrawn for nothing.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { watchRenames } from '../src/renamed-carets.js'

const awarenesses: Awareness[] = []
afterEach(() => {
  for (const awareness of awarenesses.splice(0)) awareness.destroy()
})

function awareness(): Awareness {
  const created = new Awareness(new Y.Doc())
  awarenesses.push(created)
  return created
}

/** Deliver `from`'s own state to `to`, as the server relays it. */
function relay(from: Awareness, to: Awareness): void {
  applyAwarenessUpdate(to, encodeAwarenessUpdate(from, [from.clientID]), 'remote')
}

/** A local awareness watched for renames, with one remote user already present. */
function watched() {
  const local = awareness()
  local.setLocalState({ user: { name: 'Ada', color: '#0090ff' } })
  const remote = awareness()
  remote.setLocalState({ user: { name: 'Bob', color: '#f76b15' }, cursor: null })
  relay(remote, local)
  let renames = 0
  const stop = watchRenames(local, () => renames++)
  return { local, remote, stop, renames: () => renames }
}

describe('watchRenames', () => {
  it('reports a remote user taking a new name, once per change', () => {
    const { local, remote, renames } = watched()
    remote.setLocalStateField('user', { name: 'Robert', color: '#f76b15' })
    relay(remote, local)
    expect(renames()).toBe(1)
    relay(remote, local) // the same state renewed
    expect(renames()).toBe(1)
    remote.setLocalStateField('user', { name: 'Bobby', color: '#f76b15' })
    relay(remote, local)
    expect(renames()).toBe(2)
  })

  it('ignores new colours, moved carets, arrivals, departures and its own renames', () => {
    const { local, remote, renames } = watched()
    remote.setLocalStateField('user', { name: 'Bob', color: '#30a46c' })
    relay(remote, local)
    remote.setLocalStateField('cursor', { anchor: 1, head: 1 })
    relay(remote, local)
    const newcomer = awareness()
    newcomer.setLocalState({ user: { name: 'Cleo', color: '#8e4ec6' } })
    relay(newcomer, local)
    removeAwarenessStates(local, [remote.clientID], 'remote')
    local.setLocalStateField('user', { name: 'Ada Lovelace', color: '#0090ff' })
    expect(renames()).toBe(0)
  })

  it('stops reporting once stopped', () => {
    const { local, remote, stop, renames } = watched()
    stop()
    remote.setLocalStateField('user', { name: 'Robert', color: '#f76b15' })
    relay(remote, local)
    expect(renames()).toBe(0)
  })
})
