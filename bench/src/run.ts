/**
 * `pnpm bench`: runs the performance workloads (docs/performance.md) against Sightline's relay, the reference
 * y-websocket server and Hocuspocus, prints a table and writes `bench/results/<YYYY-MM-DD>.json`.
 *
 *   --workload <name>[,<name>]  steady, hot-room, churn, restart-storm, capacity (default all)
 *   --servers <kind>[,<kind>]   sightline, reference, hocuspocus (default all three)
 *   --smoke                     a seconds-long run of every code path (CI)
 *   --scale <f>                 multiply tab counts by f (development on a shared machine)
 *   --out <file>                where to write the JSON (default bench/results/<date>.json)
 *   --cpu-prof <dir>            write V8 CPU profiles of the servers into <dir>
 */
import { parseArgs } from 'node:util'
import { runBench } from './bench.js'
import { WORKLOADS, type WorkloadName } from './config.js'
import { SERVER_KINDS, type ServerKind } from './generator-protocol.js'

const { values } = parseArgs({
  options: {
    workload: { type: 'string', multiple: true },
    servers: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    scale: { type: 'string' },
    out: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
})

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`)
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
