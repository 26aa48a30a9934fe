import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/support/chromium';

/** 4173 unless TESSERA_TEST_PORT says otherwise (two checkouts testing on one machine). */
const port = process.env.TESSERA_TEST_PORT ?? '4173';

/**
 * Browser tests: the app as `npm start` serves it (scripts/start.mjs: the production build, rebuilt when the
 * sources changed, served by `vite preview`), on port 4173 (TESSERA_TEST_PORT), driven in Debian's headless Chromium (../shared/TESTING.md).
 */
export default defineConfig({
  testDir: 'test/e2e',
  timeout: 120_000,
  expect: { timeout: 30_000 },
  // Two spec files at a time (tests within a file in order): many tests wait on the page (idle views,
  // polling), so two share the 2-core CI machine; measured 12.3 min against 14.9 one at a time, all passing.
  fullyParallel: false,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  },
  webServer: {
    command: 'node scripts/start.mjs',
    env: { PORT: port },
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: !process.env.CI,
    // Time for a build when the sources changed since the last one (npm test has built already).
    timeout: 180_000,
  },
});
