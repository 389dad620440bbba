/**
 * Webhook URLs in logs and metrics.
 */

/** A webhook URL as logs and metrics show it: without credentials or query (either may hold a secret). */
export function describeWebhookUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
  } catch {
    return '(invalid URL)'
  }
}
