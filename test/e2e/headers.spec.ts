import { HAVE_FIXTURES, SKIP_REASON } from '../support/fixtures';
import { expect, openUrl, test, waitForSlide } from './helpers';

// Issue 15, part 5, as the browser sees it: every response the app's page and its workers get from the
// server carries the security headers (test/unit/server.test.ts asks each route over HTTP), the page is
// cross-origin isolated, and no other page may frame it.

const REQUIRED = ['content-security-policy', 'cross-origin-opener-policy', 'cross-origin-embedder-policy', 'cross-origin-resource-policy', 'x-content-type-options'];

test('every response the app gets carries the security headers; the page is isolated and cannot be framed', async ({ page, baseURL }) => {
  test.skip(!HAVE_FIXTURES, SKIP_REASON);
  const origin = new URL(baseURL!).origin;
  const missing: string[] = [];
  let seen = 0;
  page.context().on('response', async (r) => {
    if (!r.url().startsWith(origin)) return;
    seen++;
    const h = await r.allHeaders();
    for (const name of REQUIRED) if (!h[name]) missing.push(`${r.url()}: ${name}`);
    if (h['content-security-policy'] && !h['content-security-policy'].includes("frame-ancestors 'none'")) missing.push(`${r.url()}: frame-ancestors`);
  });
  await page.goto('/');
  // A slide from the fixture route (Range reads from the slide workers) and the model list.
  await openUrl(page, '/fixture-slides/CMU-1-Small-Region.svs');
  await waitForSlide(page, 'CMU-1-Small-Region.svs');
  await page.evaluate(() => fetch('/models/index.json').then((r) => r.text()));
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(seen).toBeGreaterThan(5);
  expect(missing).toEqual([]);

  // Framed by a page of another origin (about:blank's): the browser refuses to show the app.
  const other = await page.context().newPage();
  await other.setContent(`<iframe src="${origin}/" width="400" height="300"></iframe>`);
  await other.waitForTimeout(0);
  const frame = other.frames()[1];
  await expect.poll(async () => frame.url()).not.toBe('about:blank');
  const title = await frame.title().catch(() => '');
  expect(title, 'the framed app').not.toBe('Tessera');
  await other.close();
});
