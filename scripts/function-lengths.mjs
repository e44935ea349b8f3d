#!/usr/bin/env node
/**
 * Lists functions longer than a number of lines, longest first, in the source folders
 * (packages/*\/src, apps/*\/src, bench/src by default; or the folders and files given).
 *
 *   node scripts/function-lengths.mjs                 # report functions over 80 lines, exit 0
 *   node scripts/function-lengths.mjs --max 80        # the same, but exit 1 when there is one
 *   node scripts/function-lengths.mjs --over 40 bench/src
 *
 * A function's length is its lines from the first line of its declaration to its closing brace,
 * nested functions included (each nested one is also listed on its own when it is long).
 * Parsed with the TypeScript compiler API: the one dpdm brings (the workspace's own
 * `typescript` is the native compiler, which has no JavaScript API).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const ROOT = resolve(import.meta.dirname, '..')
const DEFAULT_LIMIT = 80

function loadTypeScript() {
  const require = createRequire(join(ROOT, 'package.json'))
  const candidates = [() => createRequire(require.resolve('dpdm/package.json'))('typescript')]
  candidates.push(() => require('typescript'))
  for (const load of candidates) {
    try {
      const ts = load()
      if (typeof ts.createSourceFile === 'function') return ts
    } catch {
      // try the next one
    }
  }
  throw new Error('no TypeScript with a compiler API found (expected the one dpdm depends on)')
}

const ts = loadTypeScript()

/** The folders searched when none are given: every package's, app's and the bench's sources. */
function defaultRoots() {
  const roots = []
  for (const parent of ['packages', 'apps']) {
    for (const name of readdirSync(join(ROOT, parent))) {
      const src = join(ROOT, parent, name, 'src')
      if (statSync(src, { throwIfNoEntry: false })?.isDirectory()) roots.push(src)
    }
  }
  roots.push(join(ROOT, 'bench', 'src'))
  return roots
}

function sourceFiles(root) {
  if (statSync(root).isFile()) return [root]
  return readdirSync(root, { recursive: true })
    .map((entry) => join(root, String(entry)))
    .filter((path) => /\.(ts|tsx|mts)$/.test(path) && !path.endsWith('.d.ts'))
    .filter((path) => !path.includes('/node_modules/'))
    .sort()
}

/** A readable name: the declaration's own, or what it is assigned to, or its position. */
function nameOf(node, sourceFile) {
  if (ts.isConstructorDeclaration(node)) return `${classNameOf(node)}constructor`
  if (node.name) {
    const own = node.name.getText(sourceFile)
    return ts.isClassElement(node) ? `${classNameOf(node)}${own}` : own
  }
  const parent = node.parent
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) {
    return parent.name.getText(sourceFile)
  }
  if (ts.isPropertyDeclaration(parent)) return `${classNameOf(parent)}${parent.name.getText()}`
  if (ts.isCallExpression(parent)) {
    return `<callback of ${parent.expression.getText(sourceFile).slice(0, 40)}>`
  }
  return '<anonymous>'
}

function classNameOf(member) {
  const owner = member.parent
  return owner && ts.isClassLike(owner) && owner.name ? `${owner.name.text}.` : ''
}

function isFunctionLike(node) {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  )
}

function functionsIn(path) {
  const text = readFileSync(path, 'utf8')
  const sourceFile = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true)
  const found = []
  const visit = (node) => {
    if (isFunctionLike(node) && node.body) {
      const start = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line
      const end = sourceFile.getLineAndCharacterOfPosition(node.getEnd()).line
      found.push({
        file: relative(ROOT, path),
        line: start + 1,
        name: nameOf(node, sourceFile),
        lines: end - start + 1,
      })
    }
    ts.forEachChild(node, visit)
  }
  visit(sourceFile)
  return found
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { max: { type: 'string' }, over: { type: 'string' } },
  })
  const limitText = values.max ?? values.over
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText)
  if (!Number.isInteger(limit) || limit < 1) {
    process.stderr.write(`--max and --over take a whole number of lines, not ${limitText}\n`)
    process.exit(2)
  }
  const roots = positionals.length > 0 ? positionals.map((p) => resolve(p)) : defaultRoots()
  const long = roots
    .flatMap(sourceFiles)
    .flatMap(functionsIn)
    .filter((f) => f.lines > limit)
    .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file) || a.line - b.line)
  for (const f of long)
    process.stdout.write(`${String(f.lines).padStart(4)}  ${f.file}:${f.line}  ${f.name}\n`)
  process.stdout.write(`${long.length} function(s) over ${limit} lines\n`)
  if (values.max !== undefined && long.length > 0) process.exit(1)
}

main()
