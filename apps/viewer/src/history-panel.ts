/**
 * The History panel of a room (design.md "History"): the room's versions on a timeline and in a
 * list, newest first; choosing one shows its text read-only with what changed since the previous
 * version marked in each author's colour (insertions underlined and tinted, deletions struck
 * through where they were); "Restore this version" where the token allows editing. The chosen
 * version is kept in the page's URL (`?version=<id>`), so the link can be shared.
 */
import type { ChangedPart, Version, VersionChanges } from '@cowrite/protocol'
import { ApiError, type ViewerContext } from './api.js'
import { relativeTime, sizeLabel, userColor, userName } from './describe.js'
import { fetchChanges, fetchVersions, nameVersion, restoreVersion } from './history-api.js'
import './history.css'

export interface HistoryPanel {
  readonly element: HTMLElement
  /** Load the versions (again) and show the chosen one, or the newest. */
  refresh(): void
  /** A version was recorded: list it. */
  versionRecorded(): void
}

export interface HistoryPanelOptions {
  /** Whether the page's token may restore (not a `view` token). */
  canRestore: boolean
  /** The version the page was opened with (`?version=`), if any. */
  initial: number | null
}

export function historyPanel(context: ViewerContext, room: string, options: HistoryPanelOptions): HistoryPanel {
  const element = document.createElement('div')
  element.className = 'history'
  const timeline = document.createElement('div')
  timeline.className = 'history-timeline'
  timeline.setAttribute('role', 'group')
  timeline.setAttribute('aria-label', 'Versions on a timeline, oldest on the left')
  const list = document.createElement('ol')
  list.className = 'history-list'
  list.setAttribute('aria-label', 'Versions, newest first')
  const detail = document.createElement('section')
  detail.className = 'history-detail'
  detail.setAttribute('aria-live', 'polite')
  const status = document.createElement('p')
  status.className = 'muted history-status'
  const aside = document.createElement('div')
  aside.className = 'history-versions'
  if (options.canRestore) aside.append(nameForm())
  aside.append(timeline, list)
  element.append(status, aside, detail)

  let versions: Version[] = []
  let chosen: number | null = options.initial
  /** The last answer asked for; a slower earlier one must not overwrite it. */
  let showing = 0

  const choose = (id: number) => {
    chosen = id
    rememberInUrl(id)
    renderChoice()
    void showVersion(id)
  }

  const renderChoice = () => {
    for (const button of element.querySelectorAll<HTMLButtonElement>('[data-version]')) {
      const selected = Number(button.dataset.version) === chosen
      button.setAttribute('aria-pressed', String(selected))
    }
  }

  const renderVersions = () => {
    status.hidden = versions.length > 0
    status.textContent = 'No versions yet: one is recorded after each burst of editing, or name one from the editor.'
    const first = versions.length > 0 ? Date.parse(versions[versions.length - 1]!.at) : 0
    const span = versions.length > 0 ? Date.parse(versions[0]!.at) - first : 0
    timeline.replaceChildren(
      ...versions.map((version) => {
        const dot = versionButton(version, 'history-dot')
        const position = span > 0 ? (Date.parse(version.at) - first) / span : 0.5
        dot.style.left = `${(position * 100).toFixed(2)}%`
        dot.title = describeVersion(version)
        return dot
      }),
    )
    list.replaceChildren(
      ...versions.map((version) => {
        const item = document.createElement('li')
        const button = versionButton(version, 'history-item')
        const name = document.createElement('span')
        name.className = 'history-name'
        name.textContent = version.name ?? 'Automatic version'
        const when = document.createElement('time')
        when.className = 'muted small'
        when.dateTime = version.at
        when.textContent = `${relativeTime(version.at)} · ${sizeLabel(version.length)}`
        button.append(name, when, authorsOf(version))
        item.append(button)
        return item
      }),
    )
    renderChoice()
  }

  const versionButton = (version: Version, className: string) => {
    const element = button('', className, () => choose(version.id))
    element.dataset.version = String(version.id)
    element.setAttribute('aria-label', describeVersion(version))
    if (version.name !== null) element.classList.add('named')
    return element
  }

  const showVersion = async (id: number) => {
    const request = ++showing
    detail.replaceChildren(note('Loading…'))
    let changes: VersionChanges
    try {
      changes = await fetchChanges(context, room, id)
    } catch (error) {
      if (request === showing) detail.replaceChildren(note(failure(error), 'bad'))
      return
    }
    if (request !== showing) return
    detail.replaceChildren(...renderChanges(changes))
  }

  const renderChanges = ({ version, previous, parts }: VersionChanges): HTMLElement[] => {
    const head = document.createElement('header')
    head.className = 'history-head'
    const title = document.createElement('h3')
    title.textContent = version.name ?? 'Automatic version'
    const when = document.createElement('span')
    when.className = 'muted small'
    when.textContent = `${new Date(version.at).toLocaleString()} · ${previous ? `changes since ${previous.name ?? `the version of ${relativeTime(previous.at)}`}` : 'the first version'}`
    head.append(title, when)
    const actions = document.createElement('div')
    actions.className = 'history-actions'
    actions.append(summary(parts))
    if (options.canRestore) actions.append(restoreControl(version))
    const text = document.createElement('pre')
    text.className = 'history-text'
    text.setAttribute('aria-label', `Text of this version, with the changes since the previous one marked`)
    for (const part of parts) text.append(renderPart(part))
    if (parts.length === 0) text.append(note('(empty)'))
    return [head, actions, legend(parts), text]
  }

  const restoreControl = (version: Version): HTMLElement => {
    const wrap = document.createElement('span')
    wrap.className = 'history-restore'
    const start = button('Restore this version', 'button', () => {
      const question = document.createElement('span')
      question.textContent = 'Everyone’s text becomes this version’s (the current one stays in the history).'
      const cancel = button('Cancel', 'button', () => wrap.replaceChildren(start))
      const confirm = button('Restore', 'button primary', async () => {
        confirm.disabled = true
        try {
          const restored = await restoreVersion(context, room, version.id)
          wrap.replaceChildren(
            note(
              restored.version
                ? `Restored: +${restored.inserted.toLocaleString('en')} −${restored.deleted.toLocaleString('en')} characters. Everyone sees it now.`
                : 'The text already is this version’s: nothing changed.',
              'ok',
            ),
          )
          refresh()
        } catch (error) {
          wrap.replaceChildren(start, note(failure(error, 'restore this version'), 'bad'))
        }
      })
      wrap.replaceChildren(question, confirm, cancel)
      confirm.focus()
    })
    wrap.append(start)
    return wrap
  }

  /** Name the current state: a version someone can find again. */
  function nameForm(): HTMLFormElement {
    const form = document.createElement('form')
    form.className = 'history-name-form'
    const input = document.createElement('input')
    input.type = 'text'
    input.required = true
    input.maxLength = 100
    input.placeholder = 'Name the current text…'
    input.setAttribute('aria-label', 'Name for a new version of the current text')
    const save = document.createElement('button')
    save.type = 'submit'
    save.className = 'button'
    save.textContent = 'Save version'
    const outcome = document.createElement('span')
    outcome.className = 'small'
    outcome.setAttribute('role', 'status')
    form.append(input, save, outcome)
    form.addEventListener('submit', async (event) => {
      event.preventDefault()
      save.disabled = true
      try {
        const version = await nameVersion(context, room, input.value)
        input.value = ''
        outcome.replaceChildren(note(`Saved “${version.name}”`, 'ok'))
        chosen = version.id
        refresh()
      } catch (error) {
        outcome.replaceChildren(note(failure(error, 'save the version'), 'bad'))
      } finally {
        save.disabled = false
      }
    })
    return form
  }

  const refresh = () => {
    void (async () => {
      try {
        versions = await fetchVersions(context, room)
      } catch (error) {
        status.hidden = false
        status.textContent = failure(error)
        return
      }
      renderVersions()
      const target = versions.find((version) => version.id === chosen) ?? versions[0]
      if (target && (target.id !== chosen || detail.childElementCount === 0)) choose(target.id)
    })()
  }

  return { element, refresh, versionRecorded: refresh }
}

function button(label: string, className: string, onClick: (this: HTMLButtonElement) => void): HTMLButtonElement {
  const element = document.createElement('button')
  element.type = 'button'
  element.className = className
  element.textContent = label
  element.addEventListener('click', onClick)
  return element
}

function describeVersion(version: Version): string {
  const who = version.authors.map((author) => author.name).join(', ')
  return `${version.name ?? 'Automatic version'}, ${relativeTime(version.at)}${who ? `, by ${who}` : ''}`
}

function authorsOf(version: Version): HTMLElement {
  const authors = document.createElement('span')
  authors.className = 'history-authors small'
  if (version.authors.length === 0) authors.textContent = 'no text changes'
  for (const author of version.authors) {
    const chip = document.createElement('span')
    chip.className = 'history-author'
    chip.style.setProperty('--author', userColor(author))
    chip.textContent = author.name
    authors.append(chip)
  }
  return authors
}

function renderPart(part: ChangedPart): Node {
  if (part.change === 'kept') return document.createTextNode(part.text)
  const mark = document.createElement(part.change === 'inserted' ? 'ins' : 'del')
  mark.style.setProperty('--author', userColor(part.author))
  mark.title = `${part.change === 'inserted' ? 'Inserted' : 'Deleted'} by ${userName(part.author)}`
  mark.textContent = part.text
  return mark
}

/** "+12 −3 characters". */
function summary(parts: readonly ChangedPart[]): HTMLElement {
  let inserted = 0
  let deleted = 0
  for (const part of parts) {
    if (part.change === 'inserted') inserted += part.text.length
    if (part.change === 'deleted') deleted += part.text.length
  }
  const text = document.createElement('span')
  text.className = 'history-summary'
  text.textContent = inserted + deleted === 0 ? 'No changes to the text' : `+${inserted.toLocaleString('en')} −${deleted.toLocaleString('en')} characters`
  return text
}

/** Who changed what, in their colours. */
function legend(parts: readonly ChangedPart[]): HTMLElement {
  const legend = document.createElement('p')
  legend.className = 'history-legend small'
  const seen = new Set<string>()
  for (const part of parts) {
    if (part.change === 'kept' || seen.has(userName(part.author))) continue
    seen.add(userName(part.author))
    const chip = document.createElement('span')
    chip.className = 'history-author'
    chip.style.setProperty('--author', userColor(part.author))
    chip.textContent = userName(part.author)
    legend.append(chip)
  }
  if (seen.size > 0) legend.prepend('Changes by ')
  return legend
}

function note(text: string, tone?: 'ok' | 'bad'): HTMLElement {
  const element = document.createElement('span')
  element.className = `muted small${tone ? ` tone-${tone}` : ''}`
  element.textContent = text
  return element
}

/** Why `doing` failed, in words: the server's reason, or that it cannot be reached. */
function failure(error: unknown, doing = 'load the history'): string {
  if (error instanceof ApiError && error.status === 0) return error.message
  return `Could not ${doing}: ${(error as Error).message}`
}

/** Keep the chosen version in the address, so reloading or sharing the link shows it. */
function rememberInUrl(id: number): void {
  const url = new URL(location.href)
  url.searchParams.set('version', String(id))
  history.replaceState(null, '', url)
}
