/**
 * Class colours for manifests that give none: Okabe & Ito's colour-blind-safe palette, then Tableau 10
 * for models with more classes, cycling after that.
 */
export const CLASS_PALETTE: readonly string[] = [
  '#e69f00', '#56b4e9', '#009e73', '#f0e442', '#0072b2', '#d55e00', '#cc79a7', '#000000',
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
];

export function paletteColor(index: number): string {
  return CLASS_PALETTE[index % CLASS_PALETTE.length];
}
