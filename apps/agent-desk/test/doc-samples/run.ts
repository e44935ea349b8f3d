/**
 * Runs the documentation's samples (see `extract.ts` for the markers): TypeScript through
 * `tsc --strict` against the workspace packages, JavaScript as an ES module in Node, classic
 * scripts in Chromium. Everything is written below this app's node_modules, so the samples
 * import `@sightline/*` and `jose` exactly as a consumer's code would (the packages resolve to
 * their TypeScript source through the `source` condition).
 */
import { execFile } from 'node:child_process'
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import type { Sample } from './extract.js'

const run = promisify(execFile)

export const REPO_ROOT = resolve(import.meta.dirname, '../../../..')
const APP_ROOT = resolve(import.meta.dirname, '../..')

/** A fresh scratch directory where the app's dependencies resolve. */
export async function scratchDir(name: string): Promise<string> {
  const dir = join(APP_ROOT, 'node_modules', '.cache', 'doc-samples', name)
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n')
  return dir
}

/** The sample's code with what it needs around it, as one file's text. */
export function sampleSource(sample: Sample): string {
  return [sample.before, sample.code, sample.after].filter((part) => part !== '').join('\n')
}

/**
 * Type-checks every sample with the repository's strict settings; returns one message per
 * error, naming the sample's doc and line.
 */
export async function typecheck(samples: readonly Sample[]): Promise<string[]> {
  const dir = await scratchDir('typecheck')
  const files = samples.map((sample, i) => `sample-${i}.${sample.lang === 'tsx' ? 'tsx' : 'ts'}`)
  await Promise.all(
    samples.map((sample, i) => writeFile(join(dir, files[i] ?? ''), sampleSource(sample))),
  )
  const tsconfig = {
    extends: join(REPO_ROOT, 'tsconfig.base.json'),
    compilerOptions: { noEmit: true, declaration: false, sourceMap: false, jsx: 'react-jsx' },
    files,
  }
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2))
  const tsc = join(REPO_ROOT, 'node_modules', '.bin', 'tsc')
  try {
    await run(tsc, ['-p', dir], { cwd: dir })
    return []
  } catch (error) {
    const output = String((error as { stdout?: string }).stdout ?? error)
    return output
      .split('\n')
      .filter((line) => line.includes('error TS'))
      .map((line) => locate(line, samples, files))
  }
}

/** Rewrites `sample-3.ts(5,7): error ...` as `docs/x.md:40 (sample line 5): error ...`. */
function locate(line: string, samples: readonly Sample[], files: readonly string[]): string {
  const match = /^(sample-\d+\.tsx?)\((\d+),\d+\): (.*)$/.exec(line.trim())
  if (match === null) return line
  const sample = samples[files.indexOf(match[1] ?? '')]
  if (sample === undefined) return line
  const before = sample.before === '' ? 0 : sample.before.split('\n').length
  const at = Number(match[2]) - before
  return `${sample.where} (line ${at} of the sample): ${match[3]}`
}

/** Runs one sample as an ES module in Node with `env`; rejects with its output when it fails. */
export async function runInNode(
  sample: Sample,
  index: number,
  env: Record<string, string>,
): Promise<void> {
  const dir = await scratchDir(`node-${index}`)
  // Node 20 has no global WebSocket: samples that open one import `ws`, as the docs say.
  await mkdir(join(dir, 'node_modules'))
  await symlink(
    join(REPO_ROOT, 'packages', 'presence', 'node_modules', 'ws'),
    join(dir, 'node_modules', 'ws'),
  )
  const file = join(dir, 'sample.mjs')
  await writeFile(file, sampleSource(sample))
  try {
    await run(process.execPath, ['--conditions=source', '--import', 'tsx', file], {
      cwd: dir,
      env: { ...process.env, ...env },
      timeout: 20_000,
    })
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string }
    throw new Error(`${sample.where} failed:\n${stderr}${stdout}`)
  }
}

/** The widget's bundles, built in memory (no dist needed): file name -> code. */
export async function buildBundles(): Promise<Map<string, string>> {
  const { build } = await import('vite')
  const root = join(REPO_ROOT, 'packages', 'widget')
  const files = new Map<string, string>()
  for (const mode of ['production', 'embed']) {
    const result = await build({
      root,
      mode,
      configFile: join(root, 'vite.config.ts'),
      logLevel: 'silent',
      build: { write: false, sourcemap: false, emptyOutDir: false },
    })
    for (const out of Array.isArray(result) ? result : [result]) {
      if (!('output' in out)) continue
      for (const chunk of out.output)
        if (chunk.type === 'chunk') files.set(chunk.fileName, chunk.code)
    }
  }
  return files
}

/**
 * The page a browser sample runs in: its `before` lines as a script (what the page already
 * has, such as a token), then the sample itself (HTML as is, JavaScript as a classic script
 * after the all-in-one bundle).
 */
export function samplePage(sample: Sample): string {
  const setup = sample.before === '' ? '' : `<script>\n${sample.before}\n</script>\n`
  const body =
    sample.lang === 'html'
      ? sample.code
      : `<script src="/sightline.iife.js"></script>\n<script>\n${sample.code}\n</script>`
  return `<!doctype html>\n<html lang="en">\n<body>\n${setup}${body}\n</body>\n</html>\n`
}
