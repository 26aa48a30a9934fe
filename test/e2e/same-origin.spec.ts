import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../support/fixtures';
import { expect, test, openUrl, openWithPicker, viewerLocator, waitForSlide, waitIdle } from './helpers';

test.skip(!HAVE_FIXTURES, SKIP_REASON);

test('nothing leaves the origin while slides are opened and navigated', async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  // Workers make requests of their own (modules, wasm, Range reads of a URL slide).
  page.context().on('request', (r) => requests.push(r.url()));

  await page.goto('/');
  await openWithPicker(page, fixture('slides', 'TCGA-CR-7395-01A-01-TS1.svs'));
  await waitForSlide(page, 'TCGA-CR-7395-01A-01-TS1.svs');
  const box = (await viewerLocator(page).boundingBox())!;
  await page.mouse.move(box.x + box.width / 3, box.y + box.height / 2);
  await page.mouse.wheel(0, -360);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 3 - 150, box.y + box.height / 2 - 80, { steps: 8 });
  await page.mouse.up();
  await waitIdle(page);

  await openUrl(page, '/fixture-slides/CMU-pyramid-bigtiff-lzw.tif');
  await waitForSlide(page, 'CMU-pyramid-bigtiff-lzw.tif');
  await page.getByRole('button', { name: 'Magnification 20x' }).click();
  await waitIdle(page);

  expect(requests.length).toBeGreaterThan(3);
  const outside = requests.filter((u) => !/^(data|blob):/.test(u) && new URL(u).origin !== origin);
  expect(outside, 'requests outside the origin').toEqual([]);
  // The URL slide was read with Range requests through the origin, not as a whole download.
  expect(requests.some((u) => u.includes('/fixture-slides/CMU-pyramid-bigtiff-lzw.tif'))).toBe(true);
});
