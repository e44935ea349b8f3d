/**
 * Builds the package's bundles in memory (nothing written, no dist needed), as `vite build`
 * would with `--mode <mode>`; returns file name -> code.
 */
import { resolve } from 'node:path'
import { build, type Rolldown } from 'vite'

type Output = Rolldown.RolldownOutput

export async function buildInMemory(mode = 'production'): Promise<Map<string, string>> {
  // happy-dom replaces the global URL, so paths are built with node:path.
  const root = resolve(import.meta.dirname, '..')
  const result = await build({
    root,
    mode,
    configFile: resolve(root, 'vite.config.ts'),
    logLevel: 'silent',
    build: { write: false, sourcemap: false, emptyOutDir: false },
  })
  const outputs = (Array.isArray(result) ? result : [result]) as Output[]
  const files = new Map<string, string>()
  for (const out of outputs) {
    for (const chunk of out.output) {
      if (chunk.type === 'chunk') files.set(chunk.fileName, chunk.code)
    }
  }
  return files
}
