/**
 * Fixtures that clean up after themselves in vitest: each registers its teardown with
 * `onTestFinished` where the resource is made.
 */
import { onTestFinished } from 'vitest'
import { FAST_RELAY } from './intervals.js'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js'
import { TEST_SECRET } from './tokens.js'

export * from './index.js'

/** The options every test relay starts with (any relay option may be added or overridden). */
export interface TestRelayOptions {
  port: number
  jwtSecret: string
}

/**
 * Starts a relay made by `createRelay` (from `@sightline/relay`, passed in so the relay's own
 * tests can use this kit) on an ephemeral loopback port, with `TEST_SECRET` and `FAST_RELAY`
 * intervals under `options`; closed when the test finishes.
 */
export async function startRelay<O extends TestRelayOptions, H extends { close(): unknown }>(
  createRelay: (options: O) => Promise<H>,
  options: Partial<O> = {},
): Promise<H> {
  const relay = await createRelay({
    port: 0,
    jwtSecret: TEST_SECRET,
    ...FAST_RELAY,
    ...testTransport(),
    ...options,
  } as unknown as O)
  onTestFinished(async () => {
    await relay.close()
  })
  return relay
}

/**
 * The relay's socket layer the tests run on: `SIGHTLINE_TEST_TRANSPORT` (`ws` or `uws`; the
 * vitest project `relay-uws` sets `uws`), else the relay's default. A test that passes
 * `transport` itself keeps it.
 */
export function testTransport(): { transport?: 'ws' | 'uws' } {
  const transport = process.env.SIGHTLINE_TEST_TRANSPORT
  if (transport === undefined || transport === '') return {}
  if (transport !== 'ws' && transport !== 'uws') {
    throw new Error(`SIGHTLINE_TEST_TRANSPORT must be ws or uws, got "${transport}"`)
  }
  return { transport }
}

/** `startTcpProxy`, closed when the test finishes. */
export async function startProxy(targetPort: number): Promise<TcpProxy> {
  const proxy = await startTcpProxy(targetPort)
  onTestFinished(() => proxy.close())
  return proxy
}
