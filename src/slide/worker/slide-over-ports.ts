import { ChannelClient, type Endpoint, type RgbaImage } from '../../core';
import type { ChannelPlanes } from '../types';
import type { SlideRequests } from './messages';

/** Ports to the slide workers that have a slide open, as BrowserSlide.connectPorts hands them out. */
export interface SlidePorts {
  slideId: number;
  ports: MessagePort[];
}

/** Reading a slide from another worker (inference, analysis): regions straight from the slide workers. */
export interface SlideOverPorts {
  readRegion(level: number, x: number, y: number, width: number, height: number, signal?: AbortSignal): Promise<RgbaImage>;
  /** Multi-channel slides: raw planes of a region (all channels when `channels` is omitted). */
  readChannels(level: number, x: number, y: number, width: number, height: number, channels?: number[], signal?: AbortSignal): Promise<ChannelPlanes>;
  close(): void;
}

/** Regions of the slide behind `ports`, each asked of the least busy slide worker. */
export function slideOverPorts({ slideId, ports }: SlidePorts): SlideOverPorts {
  const clients = ports.map((port) => new ChannelClient<SlideRequests>(() => port as unknown as Endpoint, { crashMessage: 'A slide worker stopped; reopen the slide.' }));
  return {
    async readRegion(level, x, y, width, height, signal) {
      const least = clients.reduce((a, b) => (b.load < a.load ? b : a));
      return (await least.request('readRegion', { slideId, level, x, y, width, height, as: 'rgba' }, { signal })) as RgbaImage;
    },
    async readChannels(level, x, y, width, height, channels, signal) {
      const least = clients.reduce((a, b) => (b.load < a.load ? b : a));
      return least.request('readChannels', { slideId, level, x, y, width, height, channels }, { signal });
    },
    close: () => clients.forEach((c) => c.close()),
  };
}
