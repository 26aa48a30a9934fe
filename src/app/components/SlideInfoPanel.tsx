import type { BrowserSlide } from '../../slide/browser';
import { objectiveOf } from '../../viewer';
import { formatBytes, formatMpp } from '../format';
import { ChannelList } from '../channels/ChannelList';
import { AssociatedImage } from './AssociatedImage';
import { LevelsTable } from './LevelsTable';

function mppText(x?: number, y?: number): string {
  if (!x && !y) return 'not stated in the file';
  if (x && y && formatMpp(x) !== formatMpp(y)) return `${formatMpp(x)} × ${formatMpp(y)} µm/px`;
  return `${formatMpp((x ?? y)!)} µm/px`;
}

/** What the file says about the slide: name, vendor, size, scale, objective, levels, associated images. */
export function SlideInfoPanel({ slide }: { slide: BrowserSlide }) {
  const info = slide.info;
  const objective = objectiveOf(info);
  return (
    <aside className="info-panel" aria-label="Slide information">
      <h2 className="slide-name" title={info.name}>
        {info.name}
      </h2>
      <dl className="facts">
        <dt>Vendor / format</dt>
        <dd>
          {info.vendor} / {info.format}
        </dd>
        <dt>File size</dt>
        <dd>{formatBytes(info.fileSize)}</dd>
        <dt>Pixel size</dt>
        <dd data-testid="mpp">{mppText(info.mppX, info.mppY)}</dd>
        <dt>Objective power</dt>
        <dd>{!objective ? 'not stated' : objective.estimated ? `not stated (≈ ${Math.round(objective.power)}x from µm/px)` : `${objective.power}x`}</dd>
        <dt>Dimensions</dt>
        <dd>
          {info.levels[0].width} × {info.levels[0].height} px
        </dd>
      </dl>
      {info.channels?.length ? <ChannelList channels={info.channels} stack={info.stack} /> : null}
      <LevelsTable levels={info.levels} />
      {info.associated.length > 0 ? (
        <section aria-label="Associated images">
          <h3>Associated images</h3>
          <div className="associated-list">
            {info.associated.map((a) => (
              <AssociatedImage key={a.name} slide={slide} name={a.name} width={a.width} height={a.height} />
            ))}
          </div>
        </section>
      ) : (
        <p className="muted">No associated images (label, macro, thumbnail).</p>
      )}
    </aside>
  );
}
