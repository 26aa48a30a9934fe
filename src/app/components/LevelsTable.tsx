import type { LevelInfo } from '../../slide';
import { formatDownsample } from '../format';

/** The slide's pyramid: native levels and those Tessera synthesised. */
export function LevelsTable({ levels }: { levels: LevelInfo[] }) {
  return (
    <table className="levels">
      <caption>Levels</caption>
      <thead>
        <tr>
          <th scope="col">Level</th>
          <th scope="col">Size (px)</th>
          <th scope="col" title="Downsample: level-0 pixels per pixel of this level">Downsample</th>
          <th scope="col" title="Tile size in pixels">Tile</th>
          <th scope="col">Compression</th>
        </tr>
      </thead>
      <tbody>
        {levels.map((l, i) => (
          <tr key={i} className={l.synthesized ? 'synthesized' : undefined}>
            <td>{i}</td>
            <td>
              {l.width}×{l.height}
            </td>
            <td>{formatDownsample(l.downsample)}</td>
            <td>{l.tileWidth === l.tileHeight ? l.tileWidth : `${l.tileWidth}×${l.tileHeight}`}</td>
            <td>{l.synthesized ? <span className="badge" title="Made by Tessera by area averaging: the file has no level at this scale">synthesised</span> : l.compression}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
