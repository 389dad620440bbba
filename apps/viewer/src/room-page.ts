/**
 * One room, read-only: the live document, the activity feed, the edits chart and who is here,
 * all fed by a single `?doc=1` activity stream (plus `GET /api/rooms/<room>` for presence).
 */
import { followActivity, tokenRole, type FollowState } from '@cowrite/client'
import { editorHref, viewerHref, type ViewerContext } from './api.js'
import { activityFeed } from './activity-feed.js'
import { connectionBadge } from './connection-badge.js'
import { sizeLabel, userColor, userName } from './describe.js'
import { editsChart } from './edits-chart.js'
import { historyPanel } from './history-panel.js'
import { textTabs } from './text-tabs.js'
import { liveText } from './live-text.js'
import { presentUsers } from './present-users.js'

/** Events replayed on first load: enough for the chart's hour in most rooms (the server's maximum). */
const TAIL = 1000

export function roomPage(root: HTMLElement, context: ViewerContext, room: string): void {
  document.title = `${room} · Cowrite viewer`
  const badge = connectionBadge()
  const feed = activityFeed()
  const chart = editsChart()
  const present = presentUsers(context, room, (error) => {
    // A refusal is final for this page: stop the stream, which would retry it forever.
    follower.close()
    badge.deny(error.message)
    say(
      context.token
        ? `This link’s token does not give access to ${room} (${error.message}).`
        : `This server needs a token to view ${room}: open the viewer with ?token=… (${error.message}).`,
    )
  })

  const header = document.createElement('header')
  header.className = 'top'
  const back = document.createElement('a')
  back.href = viewerHref(context)
  back.className = 'back'
  back.textContent = '← Rooms'
  back.title = 'All rooms'
  const title = document.createElement('h1')
  title.className = 'room-title'
  title.textContent = room
  const roomName = document.createElement('span')
  roomName.className = 'room-name'
  roomName.hidden = true
  roomName.textContent = room
  const heading = document.createElement('div')
  heading.className = 'heading'
  heading.append(title, roomName)
  const meta = document.createElement('span')
  meta.className = 'muted meta'
  const open = document.createElement('a')
  open.href = editorHref(context, room)
  open.className = 'button'
  open.textContent = 'Open in editor'
  const spacer = document.createElement('span')
  spacer.className = 'spacer'
  header.append(back, heading, meta, spacer, badge.element, open)

  const banner = document.createElement('div')
  banner.className = 'banner'
  banner.id = 'banner'
  banner.hidden = true

  const textPanel = document.createElement('section')
  textPanel.className = 'panel text-panel'
  const textHead = document.createElement('header')
  textHead.className = 'section-head'
  const textTitle = document.createElement('h2')
  textTitle.textContent = 'Document'
  const readOnly = document.createElement('span')
  readOnly.className = 'pill'
  readOnly.textContent = 'read-only'
  textHead.append(textTitle, readOnly)
  const textHost = document.createElement('div')
  textHost.className = 'text-host'
  textHost.id = 'live-text'
  // Live text or History (`?version=<id>` or `?history` opens the History tab).
  const params = new URLSearchParams(location.search)
  const historyView = historyPanel(context, room, {
    canRestore: tokenRole(context.token) !== 'view',
    initial: Number(params.get('version')) || null,
  })
  historyView.element.id = 'history'
  const tabs = textTabs([
    { label: 'Live', element: textHost, onShow: () => void (readOnly.hidden = false) },
    {
      label: 'History',
      element: historyView.element,
      onShow() {
        readOnly.hidden = true
        historyView.refresh()
      },
    },
  ])
  textHead.replaceChildren(textTitle, tabs.element, readOnly)
  textPanel.append(textHead, textHost, historyView.element)
  tabs.show(params.has('version') || params.has('history') ? 1 : 0)

  const chartPanel = document.createElement('section')
  chartPanel.className = 'panel chart-panel'
  const chartTitle = document.createElement('h2')
  chartTitle.textContent = 'Edits per minute, last hour'
  chartPanel.append(chartTitle, chart.element)

  const side = document.createElement('aside')
  side.className = 'side'
  present.element.classList.add('panel')
  feed.element.classList.add('panel')
  side.append(present.element, chartPanel, feed.element)

  const main = document.createElement('main')
  main.className = 'room'
  main.append(textPanel, side)
  root.replaceChildren(header, banner, main)

  const text = liveText(textHost)
  // The document's title, from the replica, with the room's name under it once there is one.
  text.onTitle((documentTitle) => {
    title.textContent = documentTitle ?? room
    roomName.hidden = documentTitle === null
    document.title = `${documentTitle ?? room} · Cowrite viewer`
  })
  // The header's numbers: connections from the latest room info, the size also from each edit.
  let connections: number | null = null
  let length = 0
  const showMeta = () => {
    meta.textContent = connections === null ? `not created yet` : `${connections} connected · ${sizeLabel(length)}`
  }
  // Who the server last said is here: an edit by anyone else means that list is out of date (a join
  // can be reported before the person's name reached the server).
  let presentNames = new Set<string>()
  present.onInfo((info) => {
    presentNames = new Set(info?.users.map((user) => user.name) ?? [])
    connections = info?.connections ?? null
    length = info?.length ?? length
    showMeta()
  })

  const say = (message: string) => {
    const dismiss = document.createElement('button')
    dismiss.type = 'button'
    dismiss.className = 'dismiss'
    dismiss.setAttribute('aria-label', 'Dismiss')
    dismiss.textContent = '×'
    dismiss.addEventListener('click', () => (banner.hidden = true))
    const words = document.createElement('span')
    words.textContent = message
    banner.replaceChildren(words, dismiss)
    banner.hidden = false
  }

  const follower = followActivity(
    context.server,
    room,
    {
      activity: (event) => {
        feed.add(event)
        if (event.type === 'version' && !historyView.element.hidden) historyView.versionRecorded()
        if (event.type === 'deleted') {
          // What is shown is gone from the server: say so; a new room of this name starts empty.
          say(`${event.user ? `${event.user.name} deleted` : 'Someone deleted'} this room: its text and history are gone. Anyone may start a new room with this name.`)
          if (!historyView.element.hidden) historyView.refresh()
        }
        if (event.type === 'edit') {
          text.edited(userName(event.user), userColor(event.user))
          if (event.user && !presentNames.has(event.user.name)) present.refresh()
          chart.add(event)
          length = event.length
          connections ??= 0
          showMeta()
        } else present.refresh()
      },
      snapshot: (event) => text.snapshot(event.update),
      update: (event) => text.update(event.update),
      reset: (event) => {
        // The server sends a reset when the resume point is older than what it keeps, or newer
        // than anything it has (its store was replaced).
        const why =
          event.oldest !== null && event.requested < event.oldest - 1
            ? `Events after #${event.requested} are no longer kept (the oldest is #${event.oldest})`
            : 'The server’s activity log was reset'
        feed.notice(`${why}: room state reloaded; the latest events follow.`, 'warn')
        say(`${why}. Room state reloaded.`)
        chart.clear()
        present.refresh()
      },
      state: (state: FollowState) => {
        badge.show(state)
        // Presence may have changed in ways the log cannot tell while we were away.
        if (state.status === 'live') present.refresh()
      },
      error: (error) => console.warn('cowrite viewer: skipped a malformed activity message', error),
    },
    { doc: true, token: context.token, tail: TAIL },
  )
  present.refresh()
}
