import type { ChannelInfo } from '../../slide';
import { rgbToHex } from './channel-display';

/** The info panel's list of a multi-channel slide's channels, as the file names them. */
export function ChannelList({ channels }: { channels: ChannelInfo[] }) {
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
    </section>
  );
}
