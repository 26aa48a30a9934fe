/// <reference lib="webworker" />
import { serve, withTransfer, type Endpoint } from '../../core';
import { slideOverPorts } from '../../slide';
import { detectTissue } from '../tissue/detect-tissue';
import type { AnalysisWorkerRequests } from './protocol';

// The analysis worker (DESIGN.md, decision 9): tissue detection, off the page's thread.

serve<AnalysisWorkerRequests>(self as unknown as Endpoint, {
  async tissue({ slide, info, maxSide, threshold }, { signal }) {
    const source = slideOverPorts(slide);
    try {
      const mask = await detectTissue({ info, readRegion: source.readRegion, readChannels: source.readChannels }, { maxSide, threshold, signal });
      return withTransfer(mask, [mask.mask.buffer, mask.values.buffer, mask.ink.buffer]);
    } finally {
      source.close();
    }
  },
}, 'The analysis could not be prepared.');
