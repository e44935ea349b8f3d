/** Environment parsing for the desk CLIs, in one place; errors name the variable. */

export type Env = Readonly<Record<string, string | undefined>>

/** A TCP port from `env[name]`, or `fallback` when unset. */
export function readPort(env: Env, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a port number 0-65535, got "${raw}"`)
  }
  return port
}

/** A required string from `env[name]`. */
export function readRequired(env: Env, name: string, hint: string): string {
  const raw = env[name]
  if (raw === undefined || raw === '') throw new Error(`${name} is required: ${hint}`)
  return raw
}

/** An optional string from `env[name]`. */
export function readOptional(env: Env, name: string): string | undefined {
  const raw = env[name]
  return raw === undefined || raw === '' ? undefined : raw
}
