import { describe, expect, it } from 'vitest';
import { slideFingerprint } from '../../../src/analysis/persist';
import { openSlideFile } from '../../../src/slide/node';
import { CAN_MAKE_FLUORESCENCE, FLUORESCENCE_SKIP, fluorescenceSlide } from '../../support/fluorescence';

// A fluorescence slide's RGBA is the composite of the display of the moment; its fingerprint (which keys saved
// analyses and annotations) must not follow the colours and contrast the user sets, only the file's content.
describe.skipIf(!CAN_MAKE_FLUORESCENCE)(`a multi-channel slide's fingerprint${CAN_MAKE_FLUORESCENCE ? '' : ` (${FLUORESCENCE_SKIP})`}`, () => {
  it('stays through a display change, and differs between the 8- and 16-bit slides of the same scan', async () => {
    const slide = await openSlideFile(fluorescenceSlide('uint16'));
    const other = await openSlideFile(fluorescenceSlide('uint8'));
    try {
      const before = await slideFingerprint(slide);
      const composite = await slide.readRegion(slide.info.levels.length - 1, 0, 0, 32, 32);
      await slide.setChannelDisplay!(slide.info.display!.map((d, c) => ({ ...d, visible: c === 0, color: [0, 255, 0] })));
      const changed = await slide.readRegion(slide.info.levels.length - 1, 0, 0, 32, 32);
      expect(Buffer.from(changed.data).equals(Buffer.from(composite.data)), 'the display change shows in readRegion').toBe(false);
      expect(await slideFingerprint(slide)).toBe(before);
      expect(await slideFingerprint(other)).not.toBe(before);
    } finally {
      await slide.close();
      await other.close();
    }
  });
});
