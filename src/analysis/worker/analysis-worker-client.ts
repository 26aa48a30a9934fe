import { ChannelClient, type Endpoint } from '../../core';
import type { SlideInfo, SlidePorts } from '../../slide';
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
