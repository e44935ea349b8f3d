export { createTokenVerifier, type TokenVerifier } from './access/tokens.js'
export { type EnvConfig, LOG_LEVELS, parseRelayEnv } from './config/env-config.js'
export {
  DEFAULT_OPTIONS,
  JWT_ALGORITHMS,
  type JwtAlgorithm,
  type RelayOptions,
  resolveOptions,
} from './config/options.js'
export { isRelayError, RelayError, RelayErrorCode } from './errors.js'
export { createRelay, type RelayHandle, type RelayStats } from './relay.js'
