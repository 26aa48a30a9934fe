import type { Annotation, PixelSize } from '../../annotations';
import type { AnnotationTool } from '../../viewer';

/** The tools as the panel lists them, in QuPath's order, with their keys (TOOL_KEYS in viewer/annotations). */
export const TOOLS: readonly { tool: AnnotationTool; label: string; key: string }[] = [
  { tool: 'move', label: 'Move', key: 'M' },
  { tool: 'rectangle', label: 'Rectangle', key: 'R' },
  { tool: 'ellipse', label: 'Ellipse', key: 'O' },
  { tool: 'line', label: 'Line', key: 'L' },
  { tool: 'polygon', label: 'Polygon', key: 'P' },
  { tool: 'polyline', label: 'Polyline', key: 'V' },
  { tool: 'brush', label: 'Brush', key: 'B' },
  { tool: 'points', label: 'Points', key: '.' },
];

const KIND_NAMES: Record<Annotation['shape']['type'], string> = {
  rectangle: 'Rectangle',
  ellipse: 'Ellipse',
  line: 'Line',
  polyline: 'Polyline',
  polygon: 'Polygon',
  points: 'Points',
};

/** What a person calls an annotation in the list: its name, or its kind and place in the list ("Rectangle 3"). */
export function annotationLabel(a: Annotation, index: number): string {
  return a.name || `${KIND_NAMES[a.shape.type]} ${index + 1}`;
}

/** The slide's µm per level-0 pixel as the annotations' measurements take it; null when the file does not say. */
export function pixelSizeOf(info: { mppX?: number; mppY?: number }): PixelSize {
  const x = info.mppX ?? info.mppY;
  const y = info.mppY ?? info.mppX;
  return x && y && x > 0 && y > 0 ? { x, y } : null;
}

/** The file name an annotations export gets: the slide's name without its extension. */
export function annotationsFileName(slideName: string): string {
  return `${slideName.replace(/\.[^.]+$/, '')}.annotations.geojson`;
}
