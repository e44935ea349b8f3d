/**
 * The docs state facts the code decides: file paths, variables and their defaults, figures
 * named after constants, close codes and what clients do on them, versions. This test reads
 * every doc in the repository (in process, no sockets) and fails on each such fact the code
 * contradicts, so a doc cannot drift from the code silently. What it checks, per class:
 *
 * - paths: a backticked span or a relative link that looks like a repository file exists
 *   (relative to the repository root or to the doc); a bare file name (`room.ts`) is the name
 *   of some file in the repository;
 * - variables: every `SIGHTLINE_*` name is a setting of the relay's table or one of
 *   `OTHER_VARIABLES`; a default written beside a variable ("`SIGHTLINE_X` (default 5 s)", a
 *   "default" column of a table) equals the table's;
 * - figures: a backticked constant or option name followed by a figure ("`HOLD_BUFFER_BYTES`
 *   (64 KiB)", "`pingIntervalMs` (default 7.5 s)", "`heartbeatIntervalMs` 7000") equals the
 *   code's value;
 * - close codes: a table row `| 4401 | ... |` names a code of `close-codes.ts` (or one `ws`
 *   sends itself), and what its row says the client does matches `closeAction`; "4413
 *   (refusal `state_too_large`)" matches `REFUSAL_CLOSE_CODE`; a quoted name after a code
 *   ("1012 ("relay restarting")") is its `CloseReason`;
 * - DESIGN.md, a file outside the repository, is never mentioned;
 * - versions: `@sightline/<package>@<version>` is that package's version, and a release tag
 *   `v1.2.3` exists in the repository.
 *
 * Run it: `npx vitest run packages/relay/test/doc-facts.test.ts`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  ClientCloseCode,
  CloseCode,
  CloseReason,
  closeAction,
  LivenessDefaults,
  ReadingDefaults,
} from '@sightline/protocol'
import { describe, expect, it } from 'vitest'
import {
  FAILED_ADMISSION_BURST,
  FAILED_ADMISSION_REFILL_PER_S,
  MAX_TRACKED_ADDRESSES,
} from '../src/access/failure-budget.js'
import { HOLD_BUFFER_BYTES, SETTINGS, type Setting } from '../src/config/option-table.js'
import { AWARENESS_OUTDATED_TIMEOUT_MS, DEFAULT_OPTIONS } from '../src/config/options.js'
import { MAX_RELEASED_PER_ROOM, MAX_RELEASED_PER_SUBJECT } from '../src/core/awareness-table.js'
import { MAX_FORGED_WRITES } from '../src/core/connection.js'
import { MAX_QUEUED_LOG_BYTES } from '../src/ops/log-destination.js'
import { REFUSAL_CLOSE_CODE, type RefusalReason } from '../src/refusal.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** Variables the docs may name that are not relay settings, each with a file that reads it. */
const OTHER_VARIABLES: Readonly<Record<string, string>> = Object.freeze({
  SIGHTLINE_CHROMIUM: 'scripts/ensure-system-deps.mjs',
  SIGHTLINE_E2E_RELAY_PORT: 'e2e/e2e-env.ts',
  SIGHTLINE_E2E_DESK_PORT: 'e2e/e2e-env.ts',
  SIGHTLINE_RELAY_URL: 'apps/agent-desk/test/doc-samples.process.test.ts',
  SIGHTLINE_BENCH_RELAY_CLI: 'bench/src/servers.ts',
  SIGHTLINE_TEST_TRANSPORT: 'packages/testkit/src/vitest.ts',
  // The misspelling in the example of the unknown-variable warning (docs/operations.md).
  SIGHTLINE_ALLOWED_ORIGIN: 'packages/relay/test/operator-first-hour.process.test.ts',
})

/** Close codes the docs may list that the relay does not choose: `ws` sends them itself. */
const WS_CLOSE_CODES: ReadonlySet<number> = new Set([1009])

/** Figures the docs may state after a backticked name, with the name's unit. */
const NAMED_FIGURES: Readonly<Record<string, number>> = Object.freeze({
  ...Object.fromEntries(Object.entries(DEFAULT_OPTIONS).filter(([, v]) => typeof v === 'number')),
  ...LivenessDefaults,
  ...Object.fromEntries(
    Object.entries(LivenessDefaults).map(([k, v]) => [`LivenessDefaults.${k}`, v]),
  ),
  ...ReadingDefaults,
  ...Object.fromEntries(
    Object.entries(ReadingDefaults).map(([k, v]) => [`ReadingDefaults.${k}`, v]),
  ),
  HOLD_BUFFER_BYTES,
  MAX_RELEASED_PER_SUBJECT,
  MAX_RELEASED_PER_ROOM,
  AWARENESS_OUTDATED_TIMEOUT_MS,
  FAILED_ADMISSION_BURST,
  FAILED_ADMISSION_REFILL_PER_S,
  MAX_TRACKED_ADDRESSES,
  MAX_FORGED_WRITES,
  MAX_QUEUED_LOG_BYTES,
})

/** Every Markdown doc of the repository: READMEs, docs/, CONTRIBUTING, deploy/ (not changelogs). */
export function docFiles(root: string = ROOT): string[] {
  const out = ['README.md', 'CONTRIBUTING.md']
  const under = (dir: string): string[] =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('.md') && !f.includes('node_modules'))
          .map((f) => join(dir, f))
      : []
  out.push(...under('docs'), ...under('deploy'))
  for (const dir of ['packages', 'integrations']) {
    for (const name of readdirSync(join(root, dir))) {
      if (existsSync(join(root, dir, name, 'README.md'))) out.push(join(dir, name, 'README.md'))
    }
  }
  return out.sort()
}

/** Names of every file in the repository (for bare names like `room.ts`). */
function repoFileNames(root: string): Set<string> {
  const names = new Set<string>()
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (['node_modules', '.git', 'dist', 'test-results'].includes(entry.name)) continue
      if (entry.isDirectory()) walk(join(dir, entry.name))
      else names.add(entry.name)
    }
  }
  walk(root)
  return names
}

/** One fact a doc states that the code contradicts. */
export interface Mismatch {
  readonly file: string
  readonly line: number
  readonly problem: string
}

const FILE_EXTENSIONS = 'ts|tsx|mjs|cjs|js|json|md|yml|yaml|php|conf|service|sh|css|html'
const PATH_LIKE = new RegExp(`^[\\w.@-]+(?:/[\\w.@-]+)*\\.(?:${FILE_EXTENSIONS})$`)

/** The code spans (`...`) of a line. */
const codeSpans = (line: string): string[] => [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)

/** ms, s, KiB ... to the unit a name says (`_MS`/`Ms` ms, `_SEC`/`Sec` s, bytes, else count). */
function inBaseUnit(value: number, unit: string | undefined, name: string): number | null {
  const ms = /(_MS|Ms)$/.test(name)
  const sec = /(_SEC|Sec)$/.test(name)
  switch (unit ?? '') {
    case '':
    case 'bytes':
      return value
    case 'ms':
      return ms ? value : null
    case 's':
      return ms ? value * 1000 : sec ? value : null
    case 'min':
      return ms ? value * 60_000 : sec ? value * 60 : null
    case 'h':
      return ms ? value * 3_600_000 : sec ? value * 3600 : null
    case 'KiB':
      return value * 1024
    case 'MiB':
      return value * 1024 * 1024
    default:
      return null
  }
}

const NUMBER = String.raw`(\d[\d,_]*(?:\.\d+)?)\s*(ms|s|min|h|KiB|MiB|bytes)?\b`
const parseNumber = (text: string) => Number(text.replaceAll(/[,_]/g, ''))

/** What a close-code row says the client does, if it says one of `closeAction`'s answers. */
function actionSaid(text: string): string | null {
  if (/getToken|fresh token/i.test(text)) return 'refresh-token'
  if (/fresh client ID/i.test(text)) return 'new-client-id'
  if (/^\s*stops\b/i.test(text)) return 'stop'
  if (/^\s*retries\b/i.test(text)) return 'retry'
  return null
}

/** Every mismatch in `text` (the doc at `file`, relative to `root`). */
export function checkDoc(
  file: string,
  text: string,
  root: string = ROOT,
  names: Set<string> = repoFileNames(root),
): Mismatch[] {
  const out: Mismatch[] = []
  const settings = new Map<string, Setting>(SETTINGS.map((s) => [s.variable, s]))
  const closeCodes = new Set<number>([
    ...Object.values(CloseCode),
    ...Object.values(ClientCloseCode),
  ])
  const tags = releaseTags(root)
  const bases = [
    root,
    join(root, dirname(file)),
    ...['packages', 'apps', 'integrations'].flatMap((dir) =>
      readdirSync(join(root, dir)).map((name) => join(root, dir, name)),
    ),
  ]
  const ignored = new Set(
    readFileSync(join(root, '.gitignore'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('/') && !l.endsWith('/')),
  )
  const versions = packageVersions(root)
  const lines = text.split('\n')
  let tableDefaultColumn = -1
  let inFence = false
  lines.forEach((line, i) => {
    const at = (problem: string) => out.push({ file, line: i + 1, problem })
    if (/^\s*```/.test(line)) inFence = !inFence

    // (d) DESIGN.md lies outside the repository.
    if (/DESIGN\.md/i.test(line)) at('names DESIGN.md, a file outside the repository')

    // (e) versions and tags.
    for (const m of line.matchAll(/@sightline\/([a-z-]+)@(\d+\.\d+\.\d+[\w.-]*)/g)) {
      const actual = versions.get(m[1]!)
      if (actual !== m[2]) at(`@sightline/${m[1]}@${m[2]}: the package is at ${actual ?? 'none'}`)
    }
    // A release tag, where the line speaks of tags, checkouts or releases (not `node v20.1.0`).
    if (/\btag|checkout|release/i.test(line)) {
      for (const m of line.matchAll(/(?<![\w./@-])v(\d+\.\d+\.\d+)\b/g)) {
        if (!tags.has(`v${m[1]}`)) at(`tag v${m[1]} does not exist`)
      }
    }

    if (inFence) return

    // (a) paths: code spans and relative links.
    const candidates = [
      ...codeSpans(line),
      ...[...line.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!),
    ]
    for (const raw of candidates) {
      const path = raw.replace(/^\.\//, '').replace(/:\d+$/, '')
      // Not a repository path: a URL, an absolute path, a dotfile or `.d.ts`, a build output.
      const dotted = /^\.(?!\.\/)/.test(path)
      if (!PATH_LIKE.test(path) || /^https?:|^\//.test(path) || dotted || path.includes('dist/')) {
        continue
      }
      // Generated (git ignores it), named by the docs on purpose; relative to any base.
      if (bases.some((base) => ignored.has(relative(root, join(base, path))))) continue
      const isLink = line.includes(`](${raw}`)
      if (path.includes('/') || isLink) {
        // From the root, the doc's folder, or a package, app or integration ("the relay's
        // `test/fixtures.ts`"). A path whose first folder is nowhere here is another
        // project's (FreeScout's `public/js/main.js`).
        const found = bases.some((base) => existsSync(join(base, path)))
        const ours = bases.some((base) => existsSync(join(base, path.split('/')[0]!)))
        if (!found && (ours || isLink)) at(`path ${path} does not exist`)
      } else if (!names.has(path) && !path.endsWith('.js')) {
        // Bare `.js` names are built bundles (`sightline.iife.js`); sources are TypeScript.
        at(`file ${path} does not exist in the repository`)
      }
    }

    // Anchors of links (`file.md#heading`, `#heading`): the heading exists.
    for (const m of line.matchAll(/\]\(([^)\s#]*)#([^)\s]+)\)/g)) {
      const target = m[1] === '' ? file : join(dirname(file), m[1]!)
      if (!target.endsWith('.md') || !existsSync(join(root, target))) continue
      if (!anchorsOf(join(root, target)).has(m[2]!))
        at(`anchor #${m[2]} is not a heading of ${target}`)
    }

    // (b) variables and their defaults.
    for (const m of line.matchAll(/\bSIGHTLINE_[A-Z0-9_]+\b/g)) {
      if (!settings.has(m[0]) && !(m[0] in OTHER_VARIABLES) && !m[0].endsWith('_')) {
        at(`${m[0]} is not a setting of the relay (option-table.ts)`)
      }
    }
    const said = new RegExp(
      String.raw`\x60(SIGHTLINE_[A-Z0-9_]+|HOST|PORT)\x60\s*(?:\(|,)\s*(?:default:?\s*)?\x60?` +
        NUMBER +
        String.raw`\x60?\s*[),;]`,
      'g',
    )
    for (const m of line.matchAll(said)) {
      const setting = settings.get(m[1]!)
      if (setting === undefined || !('default' in setting)) continue
      const value = inBaseUnit(parseNumber(m[2]!), m[3], m[1]!)
      if (value !== setting.default) {
        at(
          `${m[1]}: the doc says ${m[2]}${m[3] ? ` ${m[3]}` : ''}, the default is ${setting.default}`,
        )
      }
    }

    // Tables: a "default" column beside a variable or option name; close-code rows.
    if (/^\s*\|/.test(line)) {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim())
      if (cells.every((c) => /^:?-+:?$/.test(c))) return
      const header = cells.findIndex((c) => /^default$/i.test(c))
      if (header >= 0) tableDefaultColumn = header
      const name = /^`([A-Za-z_.]+)`$/.exec(cells[0] ?? '')?.[1]
      if (tableDefaultColumn >= 0 && name !== undefined && header < 0) {
        const fallback = cells[tableDefaultColumn] ?? ''
        const n = new RegExp(`^\\x60?${NUMBER}`).exec(fallback)
        const setting = settings.get(name)
        const expected =
          setting !== undefined ? setting.default : (NAMED_FIGURES[name] as number | undefined)
        if (n !== null && typeof expected === 'number') {
          const value = inBaseUnit(parseNumber(n[1]!), n[2], name)
          if (value !== expected) at(`${name}: the table says ${fallback}, the code ${expected}`)
        }
      }
      const code = /^(\d{4})$/.exec(cells[0] ?? '')?.[1]
      if (code !== undefined) {
        const c = Number(code)
        if (!closeCodes.has(c) && !WS_CLOSE_CODES.has(c)) {
          at(`close code ${c} is not in close-codes.ts`)
        } else if (closeCodes.has(c) && cells.length >= 3) {
          const action = actionSaid(cells[cells.length - 1]!)
          if (action !== null && action !== closeAction(c)) {
            at(
              `close code ${c}: the doc says the client ${action}, closeAction says ${closeAction(c)}`,
            )
          }
        }
      }
      return
    }
    tableDefaultColumn = -1

    // Figures after a backticked constant or option name.
    const figure = new RegExp(
      String.raw`\x60([A-Za-z_][\w.]*)\x60\s*(?:\((?:default:?\s*)?|=\s*|:\s*)?` + NUMBER,
      'g',
    )
    for (const m of line.matchAll(figure)) {
      const expected = NAMED_FIGURES[m[1]!]
      if (expected === undefined || settings.has(m[1]!)) continue
      const value = inBaseUnit(parseNumber(m[2]!), m[3], m[1]!)
      if (value !== expected) {
        at(`${m[1]}: the doc says ${m[2]}${m[3] ? ` ${m[3]}` : ''}, the code ${expected}`)
      }
    }

    // (c) close codes in prose: a refusal reason's code, a quoted name, what clients do.
    for (const m of line.matchAll(/\b(\d{4})\b[^.;]{0,40}?\(refusal \x60(\w+)\x60\)/g)) {
      const code = REFUSAL_CLOSE_CODE[m[2] as RefusalReason]
      if (code === undefined) at(`refusal reason ${m[2]} does not exist (refusal.ts)`)
      else if (code !== Number(m[1])) at(`refusal ${m[2]} closes with ${code}, not ${m[1]}`)
    }
    for (const m of line.matchAll(/\b([14]\d{3})\b\s*\(?"([^"]+)"\)?/g)) {
      const c = Number(m[1])
      const reason = (CloseReason as Record<number, string>)[c]
      if (reason !== undefined && !reason.toLowerCase().includes(m[2]!.toLowerCase())) {
        at(`close code ${c} is "${reason}", the doc says "${m[2]}"`)
      }
    }
    for (const m of line.matchAll(/\b(4\d{3})\b (retries|stops)\b/g)) {
      const action = m[2] === 'stops' ? 'stop' : 'retry'
      if (closeAction(Number(m[1])) !== action) {
        at(
          `close code ${m[1]}: the doc says the client ${m[2]}, closeAction says ${closeAction(Number(m[1]))}`,
        )
      }
    }
    for (const m of line.matchAll(/\bthe other 44xx (stop|retry)/g)) {
      // The codes named before "the other" in the same paragraph (up to three lines back).
      const before = lines.slice(Math.max(0, i - 3), i + 1).join(' ')
      const named = new Set([...before.matchAll(/\b(44\d\d)\b/g)].map((n) => Number(n[1])))
      for (const c of Object.values(CloseCode)) {
        if (c < 4400 || c > 4499 || named.has(c)) continue
        if (closeAction(c) !== m[1])
          at(`close code ${c} is one of "the other 44xx" but closeAction says ${closeAction(c)}`)
      }
    }
  })
  return out
}

/** The anchors GitHub gives the headings of a Markdown file. */
function anchorsOf(path: string): Set<string> {
  const anchors = new Set<string>()
  for (const m of readFileSync(path, 'utf8').matchAll(/^#+\s+(.+)$/gm)) {
    anchors.add(
      m[1]!
        .trim()
        .toLowerCase()
        .replaceAll(/[^\p{L}\p{N}\s_-]/gu, '')
        .replaceAll(' ', '-'),
    )
  }
  return anchors
}

/** Release tags of the repository (`v1.2.3`), read from .git without running git. */
function releaseTags(root: string): Set<string> {
  const tags = new Set<string>()
  const dir = join(root, '.git', 'refs', 'tags')
  if (existsSync(dir)) for (const t of readdirSync(dir)) tags.add(t)
  const packed = join(root, '.git', 'packed-refs')
  if (existsSync(packed)) {
    for (const m of readFileSync(packed, 'utf8').matchAll(/refs\/tags\/(\S+)/g)) tags.add(m[1]!)
  }
  return tags
}

/** `protocol` -> its package.json version, for every package. */
function packageVersions(root: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const name of readdirSync(join(root, 'packages'))) {
    const file = join(root, 'packages', name, 'package.json')
    if (!existsSync(file)) continue
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: string }
    out.set(pkg.name.replace('@sightline/', ''), pkg.version)
  }
  return out
}

describe('facts the docs state', () => {
  const names = repoFileNames(ROOT)
  it.each(docFiles())('%s agrees with the code', (file) => {
    const text = readFileSync(join(ROOT, file), 'utf8')
    const problems = checkDoc(file, text, ROOT, names).map(
      (m) => `${relative(ROOT, join(ROOT, m.file))}:${m.line}: ${m.problem}`,
    )
    expect(problems).toEqual([])
  })

  it.each(Object.entries(OTHER_VARIABLES))('%s is read by %s', (variable, file) => {
    expect(readFileSync(join(ROOT, file), 'utf8')).toContain(variable)
  })

  it('finds the docs (a moved folder must not empty the check)', () => {
    expect(docFiles().map((f) => basename(dirname(f)) || f)).toContain('docs')
    expect(docFiles().length).toBeGreaterThan(10)
  })
})

describe('the check fails on each class of wrong fact', () => {
  const names = repoFileNames(ROOT)
  const problems = (text: string) => checkDoc('docs/x.md', text, ROOT, names).map((m) => m.problem)
  it.each([
    ['a path', 'See `packages/relay/src/core/no-such-file.ts`.', 'does not exist'],
    ['a bare file name', 'The rule is in `no-such-module.ts`.', 'does not exist'],
    ['a link', 'See [the design](missing-page.md).', 'path missing-page.md'],
    ['a link out of the repository', 'See [the design](../../DESIGN-notes.md).', 'does not exist'],
    ['a variable', 'Set `SIGHTLINE_PING_INTERVAL` to 100.', 'not a setting'],
    ['a default beside a variable', '`SIGHTLINE_PING_INTERVAL_MS` (default 5000)', 'default is'],
    ['a default in seconds', '`SIGHTLINE_REFRESH_INTERVAL_MS` (15 s)', 'default is'],
    [
      'a default in a table',
      '| variable | default |\n|---|---|\n| `SIGHTLINE_NODE_TIMEOUT_MS` | `2000` |',
      'the table says',
    ],
    ['a named figure', 'held past `HOLD_BUFFER_BYTES` (48 KiB)', 'the code 65536'],
    ['an option default', 'it heartbeats (`heartbeatIntervalMs` 4000)', 'the code 7000'],
    [
      'a close code',
      '| code | meaning | client |\n|---|---|---|\n| 4999 | nothing | stops |',
      'not in close-codes.ts',
    ],
    [
      'a client action in a table',
      '| code | meaning | client |\n|---|---|---|\n| 4429 | rate limited | stops |',
      'closeAction says retry',
    ],
    ['a client action in prose', 'A client that gets 4413 retries.', 'closeAction says stop'],
    ['"the other 44xx"', '4429 retries, the other 44xx stop.', '4401 is one of'],
    ['a refusal code', 'closed with 4400 (refusal `state_too_large`)', 'closes with 4413'],
    ['a close name', 'closed with 1012 ("normal closure")', 'is "relay restarting"'],
    ['DESIGN.md', 'As DESIGN.md says.', 'DESIGN.md'],
    ['an anchor', 'See [settings](operations.md#no-such-heading).', 'anchor #no-such-heading'],
    ['a package version', 'load `@sightline/widget@9.9.9/dist/x.js`', 'the package is at'],
    ['a tag', 'git checkout v9.9.9', 'tag v9.9.9 does not exist'],
  ])('a wrong %s', (_, text, problem) => {
    expect(problems(text).join('\n')).toContain(problem)
  })

  it('passes what agrees with the code', () => {
    expect(
      problems(
        [
          'See `packages/relay/src/config/option-table.ts` and `room.ts`.',
          `\`SIGHTLINE_PING_INTERVAL_MS\` (default ${LivenessDefaults.pingIntervalMs})`,
          `past \`HOLD_BUFFER_BYTES\` (${HOLD_BUFFER_BYTES / 1024} KiB)`,
          '4401 asks for a fresh token, 4409 takes a fresh client ID,',
          '4429 retries with backoff, the other 44xx stop, everything else retries.',
        ].join('\n'),
      ),
    ).toEqual([])
  })
})
