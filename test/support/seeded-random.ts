// The generator lives in src/core (the page's synthetic-cells hook uses it too); tests and benchmarks import it from here.
export { mulberry32 } from '../../src/core';
