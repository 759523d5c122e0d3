/**
 * End-to-end tests of LearnFlow in a JupyterHub classroom: Debian's Chromium
 * signs in to a real JupyterHub, which the Python test that runs these
 * (`tests/test_hub.py`) has started with LearnFlow as its service.
 *
 * Environment:
 *   LEARNFLOW_E2E_HUB_URL       the hub's public URL, such as http://127.0.0.1:8000
 *   LEARNFLOW_E2E_HUB_PASSWORD  the password of every hub user (dummy authenticator)
 *   LEARNFLOW_E2E_HUB_ADMIN     a hub admin, who is a LearnFlow teacher
 */
import { defineConfig } from '@playwright/test';
import * as path from 'path';

import base, { ARTIFACTS } from './playwright.config';

export default defineConfig({
  ...base,
  testDir: './ui-tests/hub',
  testMatch: '**/*.spec.ts',
  testIgnore: [],
  globalSetup: undefined,
  outputDir: path.join(ARTIFACTS, 'hub-results'),
  reporter: [
    ['list'],
    [
      'html',
      { outputFolder: path.join(ARTIFACTS, 'hub-report'), open: 'never' }
    ]
  ]
});
