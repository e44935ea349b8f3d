/**
 * SIGHTLINE_REDIS_URL's syntax (unit): one Redis as before, or a Redis Cluster as
 * redis-cluster://host:port[,host:port...], and the errors an operator gets for the rest.
 */
import { describe, expect, it } from 'vitest'
import { parseRedisUrl, redisUrlProblem } from '../src/cluster/redis-url.js'
import { parseSetting, problemOf, SETTINGS } from '../src/config/option-table.js'

const setting = SETTINGS.find((s) => s.variable === 'SIGHTLINE_REDIS_URL')!

describe('SIGHTLINE_REDIS_URL', () => {
  it('takes one Redis as it always did, untouched', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://u:p@h:6380/2', 'redis://']) {
      expect(parseRedisUrl(url)).toEqual({ mode: 'single', url })
      expect(parseSetting(setting, url)).toBe(url)
    }
  })

  it('takes a Redis Cluster as its seed nodes, with credentials and TLS', () => {
    expect(parseRedisUrl('redis-cluster://10.0.0.1:7000,10.0.0.2:7001/')).toEqual({
      mode: 'cluster',
      seeds: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      tls: false,
    })
    expect(parseRedisUrl('rediss-cluster://app:p%40ss@redis-a, redis-b:7000,[::1]:7002')).toEqual({
      mode: 'cluster',
      seeds: [
        { host: 'redis-a', port: 6379 },
        { host: 'redis-b', port: 7000 },
        { host: '::1', port: 7002 },
      ],
      username: 'app',
      password: 'p@ss',
      tls: true,
    })
    expect(parseSetting(setting, 'redis-cluster://a:1,b:2')).toBe('redis-cluster://a:1,b:2')
    expect(problemOf(setting.kind, 'redis-cluster://a:1,b:2')).toBeNull()
  })

  it('refuses the rest with an error that says what to write, never echoing the password', () => {
    const cases: [string, RegExp][] = [
      ['redis://a:1,b:2', /several hosts: for a Redis Cluster write redis-cluster:\/\/a:1,b:2/],
      ['redis-cluster://a:1/0', /no database or options \(a Redis Cluster has only database 0\)/],
      ['redis-cluster://a:1?tls=1', /no database or options/],
      ['redis-cluster://', /must be redis-cluster:\/\/\[user:password@\]host:port/],
      ['redis-cluster://u:hunter2@a:99999', /seed node that is not host:port: "a:99999"/],
      ['http://redis:6379', /redis-cluster:\/\/host:port\[,host:port\.\.\.\]/],
    ]
    for (const [url, message] of cases) {
      expect(redisUrlProblem(url)).toMatch(message)
      expect(() => parseSetting(setting, url)).toThrow(/^SIGHTLINE_REDIS_URL /)
      expect(() => parseSetting(setting, url)).toThrow(message)
      expect(problemOf(setting.kind, url)).toMatch(message)
    }
    expect(redisUrlProblem('redis-cluster://u:hunter2@a:99999')).not.toContain('hunter2')
    expect(redisUrlProblem('rediss://u:hunter2@a:1,b:2')).not.toContain('hunter2')
  })
})
