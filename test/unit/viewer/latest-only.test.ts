import { expect, it } from 'vitest';
import { latestOnly } from '../../../src/viewer/latest-only';

// The viewer's channel display changes (a slider dragged) coalesce: one step at a time, only the latest waiting one runs.
it('runs one step at a time; calls made meanwhile coalesce to the last; every caller settles', async () => {
  const ran: number[] = [];
  let release: (() => void) | null = null;
  const step = latestOnly((v: number) => {
    ran.push(v);
    if (v === 4) return Promise.reject(new Error('four'));
    return new Promise<void>((r) => (release = r));
  });
  const first = step(1);
  const settled: string[] = [];
  const rest = [2, 3].map((v) => step(v).then(() => settled.push(`ok ${v}`)));
  expect(ran).toEqual([1]); // 2 and 3 wait for 1
  release!();
  await first;
  await new Promise((r) => setTimeout(r, 0));
  expect(ran).toEqual([1, 3]); // 2 was superseded by 3
  release!();
  await Promise.all(rest);
  expect(settled).toEqual(['ok 2', 'ok 3']);
  await expect(step(4)).rejects.toThrow('four');
  const after = step(5);
  await new Promise((r) => setTimeout(r, 0));
  release!();
  await after;
  expect(ran).toEqual([1, 3, 4, 5]);
});
