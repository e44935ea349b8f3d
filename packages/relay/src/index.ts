export { type EnvConfig, LOG_LEVELS, parseRelayEnv } from './env-config.js'
export { isRelayError, RelayError, RelayErrorCode } from './errors.js'
export {
  DEFAULT_OPTIONS,
  JWT_ALGORITHMS,
  type JwtAlgorithm,
  type RelayOptions,
  resolveOptions,
} from './options.js'
export { createRelay, type RelayHandle, type RelayStats } from './relay.js'
export { createTokenVerifier, type TokenVerifier } from './tokens.js'
