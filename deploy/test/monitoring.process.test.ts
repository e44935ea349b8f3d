/**
 * The operators' kit cannot drift from the relay: every metric, and every label and label
 * value, that the Grafana dashboard and the Prometheus rules name must appear in a live
 * relay's /metrics (the relay CLI from source, as CI has it). A renamed metric or refusal
 * reason fails here, not on an operator's empty panel or silent alert.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { repoRoot } from './support/commands.js'
import { type RelayCli, startRelayCli } from './support/relay-cli.js'

const DASHBOARD = 'deploy/grafana/sightline-relay.dashboard.json'
const RULES = 'deploy/prometheus/sightline-relay.rules.yml'

/** Metrics from Prometheus itself or the blackbox exporter, not from the relay. */
const EXTERNAL = new Set(['up', 'probe_success'])
/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = new Set(['job', 'instance'])
/** Names of relay and Node.js process metrics (anything else in an expression is PromQL). */
const METRIC_NAME = /\b(?:sightline|nodejs|process)_[a-zA-Z0-9_]+/g

/** Metric name -> label name -> values seen, from Prometheus text exposition. */
type Exposition = Map<string, Map<string, Set<string>>>

function parseExposition(text: string): Exposition {
  const metrics: Exposition = new Map()
  const family = (name: string) => {
    const labels = metrics.get(name) ?? new Map<string, Set<string>>()
    metrics.set(name, labels)
    return labels
  }
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line)
    if (type?.[1] !== undefined) family(type[1])
    if (line.startsWith('#') || line.trim() === '') continue
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/.exec(line)
    if (sample?.[1] === undefined) continue
    const labels = family(sample[1])
    for (const [, name, value] of (sample[2] ?? '').matchAll(
      /([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g,
    )) {
      if (name === undefined || value === undefined) continue
      const values = labels.get(name) ?? new Set<string>()
      labels.set(name, values)
      values.add(value)
    }
  }
  return metrics
}

/** Every PromQL expression of the dashboard: panel targets and template-variable queries. */
function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(join(repoRoot, DASHBOARD), 'utf8')) as {
    panels: { targets?: { expr: string }[] }[]
    templating: { list: { type: string; definition?: string }[] }
  }
  return [
    ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
    ...dashboard.templating.list.filter((v) => v.type === 'query').map((v) => v.definition ?? ''),
  ]
}

interface Rule {
  alert: string
  expr: string
  for?: string
  labels?: { severity?: string }
  annotations?: { summary?: string; description?: string }
}

function alertRules(): Rule[] {
  const doc = parseYaml(readFileSync(join(repoRoot, RULES), 'utf8')) as {
    groups: { name: string; rules: Rule[] }[]
  }
  return doc.groups.flatMap((g) => g.rules)
}

/**
 * What `expr` asks of the relay's exposition that it does not have: unknown metrics, label
 * matchers on labels or values the metric never has, and grouping by labels no metric of the
 * expression carries. Template variables ($job) and regex values are skipped.
 */
function missing(expr: string, live: Exposition): string[] {
  const problems: string[] = []
  const names = new Set<string>()
  for (const [, name, matchers] of expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g)) {
    if (name === undefined || matchers === undefined || name === 'label_values') continue
    const labels = live.get(name)
    if (labels === undefined) continue // reported below (if it is a relay metric)
    for (const [, label, op, value] of matchers.matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)) {
      if (label === undefined || value === undefined || TARGET_LABELS.has(label)) continue
      const values = labels.get(label)
      if (values === undefined) {
        problems.push(`${name} has no label "${label}"`)
        continue
      }
      if (value.includes('$')) continue
      // `=~"a|b"` and `!~"a|b"` name values too; each must be one the relay emits.
      const wanted = op === '=' || op === '!=' ? [value] : value.split('|')
      for (const v of wanted) {
        if (/^[\w.-]+$/.test(v) && !values.has(v))
          problems.push(`${name}{${label}="${v}"} never appears`)
      }
    }
  }
  for (const [name] of expr.matchAll(METRIC_NAME)) {
    names.add(name)
    if (!live.has(name)) problems.push(`metric ${name} is not in /metrics`)
  }
  for (const [, name] of expr.matchAll(/\b([a-z_]+)\s*\{/g)) {
    if (name !== undefined && !name.includes('_') && !EXTERNAL.has(name) && name !== 'by') {
      problems.push(`unknown metric ${name}`)
    }
  }
  const carried = new Set([...names].flatMap((n) => [...(live.get(n)?.keys() ?? [])]))
  for (const [, group] of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    for (const label of (group ?? '').split(',').map((l) => l.trim())) {
      if (label !== '' && !TARGET_LABELS.has(label) && !carried.has(label)) {
        problems.push(`grouping by "${label}", which no metric of the expression has`)
      }
    }
  }
  return problems
}

let relay: RelayCli | undefined
let live: Exposition = new Map()

beforeAll(async () => {
  relay = await startRelayCli({
    command: process.execPath,
    args: ['--conditions=source', '--import', 'tsx', 'packages/relay/src/cli.ts'],
    cwd: repoRoot,
    env: { SIGHTLINE_JWT_SECRET: 'monitoring-test-secret-0123456789abcdef' },
  })
  const res = await fetch(`${relay.metricsUrl}/metrics`)
  expect(res.status).toBe(200)
  live = parseExposition(await res.text())
})

afterAll(async () => {
  await relay?.stop()
})

describe('operators’ kit against a live relay’s /metrics', () => {
  it('the parser reads the exposition (sanity: a known metric and label values)', () => {
    expect(live.get('sightline_relay_refusals_total')?.get('reason')).toContain('slow_consumer')
    expect(missing('sightline_relay_no_such_metric', live)).toEqual([
      'metric sightline_relay_no_such_metric is not in /metrics',
    ])
    expect(missing('sightline_relay_refusals_total{reason="no_such_reason"}', live)).toEqual([
      'sightline_relay_refusals_total{reason="no_such_reason"} never appears',
    ])
    expect(missing('sum by (shard) (sightline_relay_rooms)', live)).toEqual([
      'grouping by "shard", which no metric of the expression has',
    ])
  })

  it('every metric, label and value in the Grafana dashboard exists', () => {
    const exprs = dashboardExpressions()
    expect(exprs.length).toBeGreaterThan(20)
    expect(exprs.flatMap((e) => missing(e, live).map((p) => `${p} in: ${e}`))).toEqual([])
  })

  it('the dashboard covers what an operator watches', () => {
    const used = new Set(
      dashboardExpressions().flatMap((e) => [...e.matchAll(METRIC_NAME)].map((m) => m[0])),
    )
    for (const metric of [
      'sightline_relay_connections',
      'sightline_relay_rooms',
      'sightline_relay_awareness_states',
      'sightline_relay_frames_received_total',
      'sightline_relay_frames_sent_total',
      'sightline_relay_received_bytes_total',
      'sightline_relay_sent_bytes_total',
      'sightline_relay_refusals_total',
      'sightline_relay_close_codes_total',
      'nodejs_eventloop_lag_p99_seconds',
      'process_resident_memory_bytes',
    ]) {
      expect(used, metric).toContain(metric)
    }
  })

  it('every metric, label and value in the alerting rules exists', () => {
    const rules = alertRules()
    expect(rules.flatMap((r) => missing(r.expr, live).map((p) => `${r.alert}: ${p}`))).toEqual([])
  })

  it('the rules alert on down, not ready, refusals, slow consumers, lag and memory', () => {
    const rules = alertRules()
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'SightlineRelayDown',
        'SightlineRelayNotReady',
        'SightlineRelayRefusalsSpiking',
        'SightlineRelaySlowConsumers',
        'SightlineRelayEventLoopLag',
        'SightlineRelayMemoryHigh',
      ]),
    )
    for (const rule of rules) {
      expect(rule.labels?.severity, rule.alert).toMatch(/^(critical|warning)$/)
      expect(rule.annotations?.summary, rule.alert).toBeTruthy()
    }
  })
  it('a rule on the blackbox exporter’s probe_success comes with the exporter in the docs', () => {
    const probed = alertRules().filter((r) => r.expr.includes('probe_success'))
    if (probed.length === 0) return
    const doc = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8')
    const step = doc.slice(doc.indexOf('**6. Monitoring.**'), doc.indexOf('**Upgrading**'))
    expect(step).toContain('apt-get install -y prometheus-blackbox-exporter')
    for (const rule of probed) expect(step).toContain(rule.alert)
    const scrape = readFileSync(join(repoRoot, 'deploy/prometheus/scrape.example.yml'), 'utf8')
    const job = /job="([^"]+)"/.exec(probed[0]?.expr ?? '')?.[1]
    expect(scrape).toContain(`job_name: ${job}`)
    expect(step).toContain(`\`${job}\``)
  })
})
