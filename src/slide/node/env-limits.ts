import { limitsFromEnv, setSlideLimits } from '../limits';

/** In Node the limits can be raised per run from the environment (TESSERA_MAX_TILE_SIDE=16384 ...). */
export function applyEnvLimits(): void {
  setSlideLimits(limitsFromEnv(process.env));
}
