import type { TileGrid } from '../grid/tile-grid';
import type { SlideFormat } from '../types';
import type { ChannelLayout } from '../channels/channel-slide';

/** What a vendor module finds in a TIFF: its pyramid, its associated images and its metadata. */
export interface SlideLayout {
  format: SlideFormat;
  vendor: string;
  /** Native levels, largest first. */
  levels: TileGrid[];
  associated: { name: string; grid: TileGrid }[];
  mppX?: number;
  mppY?: number;
  objectivePower?: number;
  properties: Record<string, string>;
  /** Multi-channel slides (fluorescence OME-TIFF): each channel's planes; `levels` then holds channel 0's grey. */
  channels?: ChannelLayout;
}
