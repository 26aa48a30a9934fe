export * from './errors';
export * from './image';
export * from './lru-cache';
export * from './geometry';
export * from './seeded-random';
export * from './worker-channel';
export * from './idb';
export * from './limiter';
