/**
 * Library build: one ES module and one IIFE (global `SightlineWidget`), each with Lit and the
 * protocol helpers bundled in, so a page needs nothing but a script tag.
 * `vite build --mode embed` builds the all-in-one bundle instead (elements + presence client,
 * global `Sightline`): `sightline.js` and `sightline.iife.js`, beside the widget bundles.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig(({ mode }) => {
  const embed = mode === 'embed'
  return {
    // Bundle workspace packages from their TypeScript source, like the tests do.
    resolve: { conditions: ['source', 'module', 'browser', 'production', 'default'] },
    build: {
      outDir: 'dist',
      emptyOutDir: !embed,
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
        entry: fileURLToPath(new URL(embed ? './src/embed.ts' : './src/index.ts', import.meta.url)),
        name: embed ? 'Sightline' : 'SightlineWidget',
        formats: ['es', 'iife'],
        fileName: (format) => {
          const base = embed ? 'sightline' : 'sightline-widget'
          return format === 'es' ? `${base}.js` : `${base}.${format}.js`
        },
      },
    },
  }
})
