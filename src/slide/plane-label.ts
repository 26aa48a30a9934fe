import type { StackPlane } from './types';

/** "Z 3, T 2": a plane as a person counts it (from 1), for panels, captions and messages. */
export function planeLabel(plane: StackPlane): string {
  return `Z ${plane.z + 1}, T ${plane.t + 1}`;
}
