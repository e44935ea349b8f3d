/**
 * `pnpm bench`: runs the performance workloads (docs/performance.md) against Sightline's relay
 * on both of its socket layers (`ws`, and uWebSockets.js with `SIGHTLINE_TRANSPORT=uws`), the
 * reference y-websocket server and Hocuspocus, prints a table and writes
 * `bench/results/<YYYY-MM-DD>.json` (`pnpm bench:table` turns that into docs/performance.md's
 * table of targets). Options: `USAGE` below, printed by `--help` and on a bad argument.
 */
import { parseArgs } from 'node:util'
import { runBench } from './bench.js'
import { WORKLOADS, type WorkloadName } from './config.js'
import { SERVER_KINDS, type ServerKind } from './generator-protocol.js'

const USAGE = `usage: pnpm bench [options]
  --workload <name>[,<name>]  steady, hot-room, churn, restart-storm, capacity (default all)
  --servers <kind>[,<kind>]   ${SERVER_KINDS.join(', ')} (default all four);
                              sightline-uws is the relay with SIGHTLINE_TRANSPORT=uws
  --smoke                     a seconds-long run of every code path (CI)
  --scale <f>                 multiply tab counts by f (development on a shared machine)
  --out <file>                where to write the JSON (default bench/results/<date>.json)
  --cpu-prof <dir>            write V8 CPU profiles of the servers into <dir>
  --help                      this text
`

const { values } = parseArgs({
  options: {
    workload: { type: 'string', multiple: true },
    servers: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    scale: { type: 'string' },
    out: { type: 'string' },
    'cpu-prof': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})

if (values.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n${USAGE}`)
  process.exit(2)
}

const workloads = (values.workload ?? [...WORKLOADS]).flatMap((w) => w.split(',')) as WorkloadName[]
for (const w of workloads) if (!WORKLOADS.includes(w)) fail(`unknown workload "${w}"`)
const servers = (values.servers ?? SERVER_KINDS.join(',')).split(',') as ServerKind[]
for (const s of servers) if (!SERVER_KINDS.includes(s)) fail(`unknown server "${s}"`)
const scale = values.scale === undefined ? 1 : Number(values.scale)
if (!(scale > 0)) fail('--scale must be a positive number')

await runBench({
  workloads,
  servers,
  smoke: values.smoke,
  scale,
  out: values.out,
  cpuProfDir: values['cpu-prof'],
  log: (line) => process.stderr.write(`${line}\n`),
  print: (text) => process.stdout.write(text),
})
