import { defaultClientConditions, defineConfig } from 'vite'

// Workspace packages are imported from their TypeScript sources (the `source` export
// condition), so building the app needs no package builds first.
export default defineConfig({
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: { target: 'es2022', sourcemap: true },
  server: { host: '127.0.0.1' },
})
