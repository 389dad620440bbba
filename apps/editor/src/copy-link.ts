/**
 * The "copy link" button. The Clipboard API needs a secure context (https or localhost); a
 * self-hosted server on a LAN address over http has none, so fall back to a selected text field.
 */

async function copyText(text: string): Promise<boolean> {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text)
      return true
    } catch {
      // Permission refused: try the old way.
    }
  }
  const field = document.createElement('textarea')
  field.value = text
  field.setAttribute('readonly', '')
  field.style.position = 'fixed'
  field.style.opacity = '0'
  document.body.append(field)
  field.select()
  let copied = false
  try {
    copied = document.execCommand('copy')
  } catch {
    copied = false
  }
  field.remove()
  return copied
}

/** Make `button` copy `link()` and say so for a moment. */
export function copyLinkButton(button: HTMLButtonElement, link: () => string): void {
  const label = button.textContent ?? 'Copy link'
  let reset: ReturnType<typeof setTimeout> | undefined
  button.addEventListener('click', async () => {
    const url = link()
    const copied = await copyText(url)
    button.textContent = copied ? 'Link copied' : 'Copy failed'
    button.dataset.copied = String(copied)
    if (!copied) window.prompt('Copy this link:', url)
    clearTimeout(reset)
    reset = setTimeout(() => {
      button.textContent = label
      delete button.dataset.copied
    }, 2000)
  })
}
