/**
 * The fixed addresses and secret of the stack the e2e tests run against. Test-only values:
 * the secret signs nothing outside this run.
 */
export const E2E_HOST = '127.0.0.1'
export const E2E_RELAY_PORT = Number(process.env['SIGHTLINE_E2E_RELAY_PORT'] ?? 41234)
export const E2E_DESK_PORT = Number(process.env['SIGHTLINE_E2E_DESK_PORT'] ?? 45173)
export const E2E_SECRET = 'sightline-e2e-test-secret-0123456789'
export const E2E_DESK_URL = `http://${E2E_HOST}:${E2E_DESK_PORT}`
