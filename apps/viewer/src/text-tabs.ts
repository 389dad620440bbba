/**
 * Tabs over panes of one panel (the room page's Live text and History): one pane shown at a time,
 * the tabs saying which (ARIA tabs), `onShow` run when a pane comes into view.
 */
export interface Pane {
  label: string
  element: HTMLElement
  onShow?(): void
}

export interface TextTabs {
  readonly element: HTMLElement
  show(index: number): void
}

export function textTabs(panes: readonly Pane[]): TextTabs {
  const element = document.createElement('div')
  element.className = 'text-tabs'
  element.setAttribute('role', 'tablist')
  const tabs = panes.map(({ label, element: pane }, index) => {
    const button = document.createElement('button')
    button.type = 'button'
    button.setAttribute('role', 'tab')
    if (pane.id) button.setAttribute('aria-controls', pane.id)
    button.textContent = label
    button.addEventListener('click', () => show(index))
    return button
  })
  element.append(...tabs)
  const show = (chosen: number) => {
    panes.forEach((pane, index) => {
      tabs[index]!.setAttribute('aria-selected', String(index === chosen))
      pane.element.hidden = index !== chosen
    })
    panes[chosen]!.onShow?.()
  }
  return { element, show }
}
