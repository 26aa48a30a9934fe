import type { ChannelInfo, PlaneStackInfo } from '../../slide';
import { rgbToHex } from './channel-display';

/** The info panel's list of a multi-channel slide's channels, as the file names them. */
export function ChannelList({ channels, stack }: { channels: ChannelInfo[]; stack?: PlaneStackInfo }) {
  return (
    <section aria-label="Channels in the file" className="channel-list" data-testid="info-channels">
      <h3>Channels ({channels.length})</h3>
      <ul>
        {channels.map((c, i) => (
          <li key={i}>
            <span className="channel-swatch" style={{ background: rgbToHex(c.color) }} aria-hidden="true" />
            <span className="channel-name">{c.name}</span> <span className="muted">{c.sampleType}</span>
          </li>
        ))}
      </ul>
      {stack ? (
        <p className="muted" data-testid="info-stack">
          Each channel has {stack.sizeZ} Z {stack.sizeZ === 1 ? 'plane' : 'planes'} and {stack.sizeT} {stack.sizeT === 1 ? 'time point' : 'time points'}.
        </p>
      ) : null}
    </section>
  );
}
