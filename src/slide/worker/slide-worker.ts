/// <reference lib="webworker" />
import { serve, type Endpoint, type Handlers } from '../../core';
import { browserCodecs } from '../browser/browser-codecs';
import { setReadBurstProbe } from '../source/byte-source';
import type { SlideRequests } from './messages';
import { SLIDE_FALLBACK, slideHandlers } from './slide-handlers';

// A slide worker of the pool (./slide-handlers.ts says what it answers).
const handlers = slideHandlers(browserCodecs);

// Requests being served: a tile read while others are too may have more queued behind it (a view's
// tiles), so its file read waits one task to be coalesced with theirs (source/byte-source.ts).
let serving = 0;
const counted = Object.fromEntries(
  Object.entries(handlers).map(([type, handler]) => [
    type,
    async (params: never, context: never) => {
      serving++;
      try {
        return await (handler as (p: never, c: never) => unknown)(params, context);
      } finally {
        serving--;
      }
    },
  ]),
) as unknown as Handlers<SlideRequests>;
setReadBurstProbe(() => serving > 1);

serve(self as unknown as Endpoint, counted, SLIDE_FALLBACK);
