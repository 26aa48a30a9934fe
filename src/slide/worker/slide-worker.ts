/// <reference lib="webworker" />
import { serve, type Endpoint } from '../../core';
import { browserCodecs } from '../browser/browser-codecs';
import { SLIDE_FALLBACK, slideHandlers } from './slide-handlers';

// A slide worker of the pool (./slide-handlers.ts says what it answers).
serve(self as unknown as Endpoint, slideHandlers(browserCodecs), SLIDE_FALLBACK);
