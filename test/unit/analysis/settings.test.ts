import { describe, expect, it } from 'vitest';
import { DEFAULT_SLIDE_ANALYSIS, validateAnalysisSettings } from '../../../src/analysis';

describe('validateAnalysisSettings: the one set of defaults and limits (app, CLI, saved analyses, the run)', () => {
  it('fills the defaults', () => {
    expect(validateAnalysisSettings()).toEqual(DEFAULT_SLIDE_ANALYSIS);
    expect(validateAnalysisSettings({ overlap: 0.5, tissueThreshold: 30 })).toEqual({ ...DEFAULT_SLIDE_ANALYSIS, overlap: 0.5, tissueThreshold: 30 });
  });

  it('refuses values out of range, naming the setting as the caller calls it', () => {
    expect(() => validateAnalysisSettings({ overlap: 0.95 })).toThrow('overlap must be a number from 0 to 0.9, got "0.95"');
    expect(() => validateAnalysisSettings({ minTissue: -0.1 }, { minTissue: '--min-tissue' })).toThrow('--min-tissue must be a number from 0 to 1');
    expect(() => validateAnalysisSettings({ tissueThreshold: 300 })).toThrow('tissueThreshold must be a number from 0 to 255');
    expect(() => validateAnalysisSettings({ mppOverride: 0 })).toThrow('mppOverride must be a number from 0.001 to 1000');
    expect(() => validateAnalysisSettings({ batchSize: 2.5 })).toThrow('batchSize must be a whole number');
    expect(() => validateAnalysisSettings({ batchSize: Number.NaN })).toThrow('batchSize must be a number');
    expect(() => validateAnalysisSettings({ readAhead: 0 })).toThrow('readAhead must be a number from 1');
  });

  it('takes the limits themselves and leaves unset optional values alone', () => {
    const s = validateAnalysisSettings({ overlap: 0.9, minTissue: 0, tissueThreshold: 255, batchSize: 256, readAhead: 1, mppOverride: 1000 });
    expect(s.mppOverride).toBe(1000);
    expect(validateAnalysisSettings({ tissueThreshold: null }).tissueThreshold).toBeNull();
    expect('mppOverride' in validateAnalysisSettings()).toBe(false);
  });
});
