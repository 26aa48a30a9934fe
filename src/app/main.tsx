import { openSlideInBrowser } from '../slide/browser';

// Placeholder until the app shell lands: exposes the slide engine for smoke tests.
(window as unknown as Record<string, unknown>).__tessera = { openSlideInBrowser };
document.getElementById('root')!.textContent = 'Tessera';
