/**
 * End-to-end tests: Debian's Chromium drives a real `jupyter lab` with
 * LearnFlow, which `ui-tests/global-setup.ts` starts (and stops) for the run.
 *
 *   jlpm test:e2e
 *
 * Environment:
 *   LEARNFLOW_E2E_JUPYTER   the `jupyter` to start (default: `jupyter` on PATH,
 *                           serving the extension built in this checkout)
 *   LEARNFLOW_E2E_CHROMIUM  the browser (default: /usr/bin/chromium)
 *
 * Screenshots of every step, traces and the server's log go to
 * `test-artifacts/ui/` at the repository root.
 */
import { defineConfig } from '@playwright/test';
import * as path from 'path';

export const ARTIFACTS = path.resolve(__dirname, '..', 'test-artifacts', 'ui');
const CHROMIUM = process.env.LEARNFLOW_E2E_CHROMIUM || '/usr/bin/chromium';

export default defineConfig({
  testDir: './ui-tests',
  testMatch: '**/*.spec.ts',
  // The classroom tests need a JupyterHub: playwright.hub.config.ts runs them.
  testIgnore: 'hub/**',
  globalSetup: require.resolve('./ui-tests/global-setup'),
  // One server, one database: the scenarios run one at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  outputDir: path.join(ARTIFACTS, 'results'),
  reporter: [
    ['list'],
    ['html', { outputFolder: path.join(ARTIFACTS, 'report'), open: 'never' }]
  ],
  use: {
    browserName: 'chromium',
    viewport: { width: 1440, height: 900 },
    actionTimeout: 20_000,
    navigationTimeout: 60_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  }
});
