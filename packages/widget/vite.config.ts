/**
 * Library build: one ES module and one IIFE (global `SightlineWidget`), each with Lit and the
 * protocol helpers bundled in, so a page needs nothing but a script tag.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  // Bundle workspace packages from their TypeScript source, like the tests do.
  resolve: { conditions: ['source', 'module', 'browser', 'production', 'default'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    rolldownOptions: {
      // The protocol package and lib0 have no import-time effects; without this hint their
      // frozen constants and codec tables would ride along although only the fold order is used.
      treeshake: {
        moduleSideEffects: (id: string) => !/[\\/](protocol[\\/]src|lib0)[\\/]/.test(id),
      },
    },
    lib: {
      entry: fileURLToPath(new URL('./src/index.ts', import.meta.url)),
      name: 'SightlineWidget',
      formats: ['es', 'iife'],
      fileName: (format) =>
        format === 'es' ? 'sightline-widget.js' : `sightline-widget.${format}.js`,
    },
  },
})
