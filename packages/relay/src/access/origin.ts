/**
 * The origin allowlist. Browsers always send `Origin` on a WebSocket upgrade and a page
 * cannot forge it, so the list stops other sites from opening sockets with a token they
 * obtained (e.g. through a leaked URL). Non-browser clients send no `Origin`; they are let
 * in unless `requireOrigin` is set (they could send any header they like anyway).
 */
import { normalizeOrigin, type RelayOptions } from '../config/options.js'

/** Whether a request with this `Origin` header (undefined: none) may connect. */
export type OriginCheck = (origin: string | undefined) => boolean

/** Builds the check for `allowedOrigins` (undefined: any origin) and `requireOrigin`. */
export function createOriginCheck(
  options: Pick<RelayOptions, 'allowedOrigins' | 'requireOrigin'>,
): OriginCheck {
  const { allowedOrigins, requireOrigin } = options
  if (allowedOrigins === undefined) {
    return (origin) => !requireOrigin || (origin !== undefined && origin !== '')
  }
  const allowed = new Set(allowedOrigins.map((o) => normalizeOrigin(o)))
  return (origin) => {
    if (origin === undefined || origin === '') return !requireOrigin
    return allowed.has(normalizeOrigin(origin))
  }
}
