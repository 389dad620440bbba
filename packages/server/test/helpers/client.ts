/**
 * Stock clients: the official y-websocket `WebsocketProvider` over `ws` (from @cowrite/testing),
 * exactly what a browser tab runs, with its doc and awareness destroyed after the test.
 */
import { createStockClient, type StockClient, type StockClientOptions } from '@cowrite/testing'
import type { Scope } from './scope.js'
import { waitUntil } from './wait.js'

export type { StockClient }

export interface ClientOptions extends StockClientOptions {
  /** Wait for the first sync before resolving. Default true. */
  synced?: boolean
}

/** A stock client of `room`, destroyed after the test; resolves once synced unless `synced: false`. */
export async function connectClient(scope: Scope, wsUrl: string, room: string, options: ClientOptions = {}): Promise<StockClient> {
  const client = createStockClient(wsUrl, room, options)
  scope.defer(() => client.destroy())
  if (options.synced ?? true) await waitSynced(client)
  return client
}

/** Resolve once the provider has completed a sync with the server. */
export function waitSynced(client: StockClient, timeoutMs?: number): Promise<void> {
  return waitUntil(`client ${client.doc.clientID} synced`, () => client.provider.synced, {
    on: [[client.provider, 'sync']],
    timeoutMs,
  })
}

/** The client ids `client` currently sees in its awareness, own id included. */
export function seenIds(client: StockClient): number[] {
  return [...client.awareness.getStates().keys()].sort((a, b) => a - b)
}
