/** The annotation layer and tools over OpenSeadragon (the viewer's face re-exports what the app needs). */
export * from './types';
