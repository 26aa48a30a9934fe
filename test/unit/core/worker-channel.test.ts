import { describe, expect, it } from 'vitest';
import { ChannelClient, serve, withTransfer, type Endpoint, type RequestMap } from '../../../src/core/worker-channel';
import { TesseraError } from '../../../src/core/errors';

// The typed worker channel over Node's MessageChannel (the same structured clone and transfer rules as a
// browser's): answers, errors as TesseraError, cancel, events, transfer, crash and idle shutdown.

interface Echo extends RequestMap {
  add: { params: { a: number; b: number }; result: number };
  fail: { params: null; result: never };
  slow: { params: { ms: number }; result: string };
  count: { params: { n: number }; result: number };
  bytes: { params: { n: number }; result: Uint8Array };
}

function pair(idleMs?: number) {
  let opened = 0;
  const stops: (() => void)[] = [];
  const aborted: number[] = [];
  const client = new ChannelClient<Echo>(() => {
    opened++;
    const { port1, port2 } = new MessageChannel();
    stops.push(serve<Echo>(port2 as unknown as Endpoint, {
      add: ({ a, b }) => a + b,
      fail: () => {
        throw new TesseraError('corrupt-file', 'That file is damaged.', 'bad magic');
      },
      slow: ({ ms }, { signal }) => new Promise((resolve, reject) => {
        const t = setTimeout(() => resolve('finished'), ms);
        signal.addEventListener('abort', () => {
          clearTimeout(t);
          aborted.push(ms);
          reject(new TesseraError('aborted', 'cancelled'));
        });
      }),
      count: ({ n }, { emit }) => {
        for (let i = 0; i < n; i++) emit(i);
        return n;
      },
      bytes: ({ n }) => {
        const b = new Uint8Array(n).fill(7);
        return withTransfer(b, [b.buffer]);
      },
    }));
    return port1 as unknown as Endpoint;
  }, { crashMessage: 'The worker stopped.', idleMs });
  return { client, opened: () => opened, aborted, close: () => { client.close(); stops.forEach((s) => s()); } };
}

describe('ChannelClient and serve', () => {
  it('answers requests by type, in any order, with the values the handlers return', async () => {
    const p = pair();
    try {
      const [x, y] = await Promise.all([p.client.request('slow', { ms: 30 }), p.client.request('add', { a: 2, b: 3 })]);
      expect(x).toBe('finished');
      expect(y).toBe(5);
      expect(p.client.load).toBe(0);
    } finally {
      p.close();
    }
  });

  it('brings a handler\'s TesseraError back as a TesseraError with its code, message and detail', async () => {
    const p = pair();
    try {
      const e = await p.client.request('fail', null).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(TesseraError);
      expect(e).toMatchObject({ code: 'corrupt-file', message: 'That file is damaged.', detail: 'bad magic' });
      const unknown = await p.client.request('nope' as never, null as never).catch((err: unknown) => err);
      expect(unknown).toMatchObject({ code: 'internal' });
    } finally {
      p.close();
    }
  });

  it('carries an AbortSignal across: the caller is rejected at once and the handler sees its signal abort', async () => {
    const p = pair();
    try {
      const ac = new AbortController();
      const r = p.client.request('slow', { ms: 5000 }, { signal: ac.signal });
      setTimeout(() => ac.abort(), 20);
      await expect(r).rejects.toMatchObject({ code: 'aborted' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(p.aborted).toEqual([5000]);
      expect(p.client.load).toBe(0);
      await expect(p.client.request('slow', { ms: 1 }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' });
    } finally {
      p.close();
    }
  });

  it('delivers events before the answer, in order', async () => {
    const p = pair();
    try {
      const seen: unknown[] = [];
      const n = await p.client.request('count', { n: 5 }, { onEvent: (v) => seen.push(v) });
      expect(n).toBe(5);
      expect(seen).toEqual([0, 1, 2, 3, 4]);
    } finally {
      p.close();
    }
  });

  it('transfers buffers both ways: the sender\'s copy is detached', async () => {
    const p = pair();
    try {
      const out = await p.client.request('bytes', { n: 16 });
      expect(Array.from(out)).toEqual(new Array(16).fill(7));
      const mine = new Uint8Array(8);
      await p.client.request('add', { a: 1, b: 1 }, { transfer: [mine.buffer] });
      expect(mine.byteLength).toBe(0);
    } finally {
      p.close();
    }
  });

  it('shuts an idle endpoint down and opens a new one on the next request', async () => {
    const p = pair(30);
    try {
      expect(await p.client.request('add', { a: 1, b: 2 })).toBe(3);
      expect(p.client.started).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(p.client.started).toBe(false);
      expect(await p.client.request('add', { a: 2, b: 2 })).toBe(4);
      expect(p.opened()).toBe(2);
      // Not while a request is unanswered.
      const slow = p.client.request('slow', { ms: 120 });
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(p.client.started).toBe(true);
      expect(await slow).toBe('finished');
    } finally {
      p.close();
    }
  });

  it('rejects everything unanswered with code "crashed" when the other side dies, and starts afresh', async () => {
    const p = pair();
    try {
      const crashes: string[] = [];
      p.client.onCrash((e) => crashes.push(e.code));
      const r = p.client.request('slow', { ms: 5000 });
      // What a Worker's 'error' event looks like to the client.
      const endpoint = (p.client as unknown as { endpoint: EventTarget }).endpoint;
      endpoint.dispatchEvent(Object.assign(new Event('error'), { message: 'out of memory' }));
      await expect(r).rejects.toMatchObject({ code: 'crashed', message: 'The worker stopped.', detail: 'out of memory' });
      expect(crashes).toEqual(['crashed']);
      expect(await p.client.request('add', { a: 4, b: 4 })).toBe(8);
      expect(p.opened()).toBe(2);
    } finally {
      p.close();
    }
  });
});
