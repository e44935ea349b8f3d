/**
 * A stock y-websocket `WebsocketProvider` (3.1, unchanged) watching a room from Node, as a
 * third-party client would. It keeps y-protocols' own 30 s remote-state expiry running, so it
 * proves the relay keeps live peers fresh for clients Sightline does not control.
 *
 * y-websocket is a dev dependency of the relay package, not of e2e: it is loaded from there.
 */
import { createRequire } from 'node:module'
import WebSocket from 'ws'

interface StockAwareness {
  readonly clientID: number
  getStates(): Map<number, Record<string, unknown>>
  on(
    event: 'change',
    listener: (change: { added: number[]; updated: number[]; removed: number[] }) => void,
  ): void
}

interface StockProvider {
  readonly awareness: StockAwareness
  readonly wsconnected: boolean
  destroy(): void
}

type ProviderCtor = new (
  url: string,
  room: string,
  doc: unknown,
  options: Record<string, unknown>,
) => StockProvider

const relayRequire = createRequire(new URL('../../packages/relay/package.json', import.meta.url))
const yWebsocketPath = relayRequire.resolve('y-websocket')
const { WebsocketProvider } = relayRequire(yWebsocketPath) as { WebsocketProvider: ProviderCtor }
// The Y.Doc must come from the yjs that y-websocket itself loads.
const { Doc } = createRequire(yWebsocketPath)('yjs') as { Doc: new () => { destroy(): void } }

export interface StockWatcher {
  /** Whether some state of `userId` is present right now. */
  sees(userId: string): boolean
  /** Times (ms, monotonic) at which a state of `userId` was removed by y-protocols. */
  readonly removals: number[]
  readonly provider: StockProvider
  close(): void
}

const userIdOf = (state: Record<string, unknown> | undefined) =>
  (state?.['user'] as { id?: unknown } | undefined)?.id

/** Opens a stock provider on `room` at `relayUrl` with `token`; watches `userId`'s states. */
export function watchWithStockProvider(
  relayUrl: string,
  room: string,
  token: string,
  userId: string,
): StockWatcher {
  const doc = new Doc()
  const provider = new WebsocketProvider(relayUrl, room, doc, {
    WebSocketPolyfill: WebSocket,
    params: { token },
    disableBc: true,
  })
  const owned = new Set<number>()
  const removals: number[] = []
  provider.awareness.on('change', ({ added, updated, removed }) => {
    const states = provider.awareness.getStates()
    for (const id of [...added, ...updated]) {
      if (userIdOf(states.get(id)) === userId) owned.add(id)
    }
    for (const id of removed) {
      if (owned.delete(id)) removals.push(performance.now())
    }
  })
  return {
    provider,
    removals,
    sees: (id) => [...provider.awareness.getStates().values()].some((s) => userIdOf(s) === id),
    close() {
      provider.destroy()
      doc.destroy()
    },
  }
}
