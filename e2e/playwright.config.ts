/**
 * Multi-tab presence tests in real Chromium against a real relay and the real agent app.
 * The web server step builds the app once, then runs relay + desk server (from source, with
 * the relay's default intervals) on fixed test ports with a fixed test secret.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from '@playwright/test'
import { E2E_DESK_PORT, E2E_DESK_URL, E2E_RELAY_PORT, E2E_SECRET } from './e2e-env.js'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: './.artifacts/test-results',
  fullyParallel: true,
  workers: 2,
  // No retries: every timing bound gets one try. A spec whose flakiness is understood sets
  // `test.describe.configure({ retries })` with a comment saying why; the retries reporter
  // names, at the end of the run, every test that needed one.
  retries: 0,
  forbidOnly: !!process.env['CI'],
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: process.env['CI']
    ? [
        ['list'],
        ['./support/retries-reporter.ts'],
        ['html', { outputFolder: './.artifacts/report', open: 'never' }],
      ]
    : [['list'], ['./support/retries-reporter.ts']],
  use: {
    baseURL: E2E_DESK_URL,
    browserName: 'chromium',
    headless: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env['SIGHTLINE_CHROMIUM'] ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  // The 10-minute frozen-tab spec (49 agents changing state every second, a flood from one
  // agent) runs last, alone: its load would otherwise sit beside the 1 s bounds of the others.
  // Screenshots named as before there were projects (no project name in the file name).
  snapshotPathTemplate:
    '{testDir}/{testFileDir}/{testFileName}-snapshots/{arg}{-snapshotSuffix}{ext}',
  projects: [
    { name: 'presence', testIgnore: '**/frozen-tab.spec.ts' },
    { name: 'frozen-tab', testMatch: '**/frozen-tab.spec.ts', dependencies: ['presence'] },
  ],
  webServer: {
    command:
      'node scripts/build-app.mjs && node --conditions=source --import tsx apps/agent-desk/server/stack-cli.ts',
    cwd: repoRoot,
    url: `${E2E_DESK_URL}/healthz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 3_000 },
    env: {
      SIGHTLINE_JWT_SECRET: E2E_SECRET,
      SIGHTLINE_RELAY_PORT: String(E2E_RELAY_PORT),
      SIGHTLINE_DESK_PORT: String(E2E_DESK_PORT),
    },
  },
})
