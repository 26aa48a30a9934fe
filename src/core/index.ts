export * from './errors';
export * from './image';
export * from './lru-cache';
export * from './geometry';
export * from './worker-channel';
