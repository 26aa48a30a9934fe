import { ChannelClient, type Endpoint } from '../../core';
import type { SlideInfo, SlidePorts } from '../../slide';
import type { SavedAnalysis } from '../persist';
import type { DetectTissueOptions } from '../tissue/detect-tissue';
import type { TissueMask } from '../tissue';
import type { AnalysisWorkerRequests } from './protocol';

let client: ChannelClient<AnalysisWorkerRequests> | null = null;

function worker(): ChannelClient<AnalysisWorkerRequests> {
  client ??= new ChannelClient<AnalysisWorkerRequests>(
    () => new Worker(new URL('./analysis-worker.ts', import.meta.url), { type: 'module', name: 'tessera-analysis' }) as unknown as Endpoint,
    { crashMessage: 'The analysis worker stopped unexpectedly; analyse again.', idleMs: 30_000 },
  );
  return client;
}

/** A slide whose regions another worker can read (the browser's slide pool). */
export interface ConnectableSlide {
  readonly info: SlideInfo;
  connectPorts(): Promise<SlidePorts>;
}

/** detectTissue in the analysis worker, reading the slide straight from the slide workers. */
export async function detectTissueOffPage(slide: ConnectableSlide, options: DetectTissueOptions = {}): Promise<TissueMask> {
  const ports = await slide.connectPorts();
  return worker().request('tissue', { slide: ports, info: slide.info, maxSide: options.maxSide, threshold: options.threshold }, { signal: options.signal, transfer: ports.ports });
}

/** Saves an analysis from the analysis worker; the snapshot's arrays are moved there (the caller gives up its copies). */
export function saveOffPage(saved: SavedAnalysis): Promise<void> {
  const buffers = new Set<ArrayBuffer>();
  for (const v of Object.values(saved) as unknown[]) {
    if (ArrayBuffer.isView(v)) buffers.add(v.buffer as ArrayBuffer);
  }
  for (const v of Object.values(saved.mask ?? {}) as unknown[]) {
    if (ArrayBuffer.isView(v)) buffers.add(v.buffer as ArrayBuffer);
  }
  return worker().request('save', { saved }, { transfer: [...buffers] });
}
