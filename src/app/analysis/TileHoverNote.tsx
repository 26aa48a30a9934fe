import { TileState, tileProbabilities, type SlideAnalysisPlan } from '../../analysis';
import type { Hover } from '../../viewer';

const STATES: Record<number, string> = { [TileState.pending]: 'not analysed', [TileState.background]: 'background (skipped)', [TileState.failed]: 'unreadable (skipped)' };

/** The tile under the pointer: its position and, once analysed, its class and probabilities. */
export function TileHoverNote({ hover, plan }: { hover: Hover; plan: SlideAnalysisPlan }) {
  const tile = hover.tile!;
  const { store } = plan;
  const done = store.state[tile.index] === TileState.done;
  const probs = done ? tileProbabilities(store, tile.index) : null;
  const measures = done ? store.measureNames.map((n, j) => [n, store.measures[tile.index * store.measureNames.length + j]] as const) : [];
  return (
    <div className="tile-hover" data-testid="tile-hover" style={{ left: hover.viewerX + 16, top: hover.viewerY + 16 }}>
      <div>
        Tile ({tile.col}, {tile.row}) · x {tile.rect.x}, y {tile.rect.y} · {tile.rect.width} px
      </div>
      {probs ? (
        <>
          <div className="tile-hover-class">{store.classNames[store.classIndex[tile.index]]}</div>
          <table>
            <tbody>
              {store.classNames.map((c, j) => (
                <tr key={c}><td>{c}</td><td data-testid={`hover-p-${c}`}>{probs[j].toFixed(4)}</td></tr>
              ))}
              {measures.filter(([n]) => !n.startsWith('area_fraction_')).map(([n, v]) => (
                <tr key={n}><td>{n.replace(/_/g, ' ')}</td><td>{v.toFixed(n === 'nuclei_per_mm2' ? 0 : 3)}</td></tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <div className="muted">{STATES[store.state[tile.index]] ?? ''}</div>
      )}
      {!Number.isNaN(store.tissue[tile.index]) ? <div className="muted">tissue {(100 * store.tissue[tile.index]).toFixed(0)}%</div> : null}
    </div>
  );
}
