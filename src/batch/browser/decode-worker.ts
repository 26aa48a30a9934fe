/// <reference lib="webworker" />
import { serve, type Endpoint } from '../../core';
import { canvasDecoders } from './canvas-decoders';
import { DECODE_FALLBACK, imageFileHandlers } from './decode-handlers';

// Decodes dropped patches off the main thread, so that scoring ten thousand files never freezes the page.
serve(self as unknown as Endpoint, imageFileHandlers(canvasDecoders), DECODE_FALLBACK);
