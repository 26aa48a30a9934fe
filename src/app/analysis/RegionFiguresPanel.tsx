import type { RegionFigures } from '../../analysis';
import { classColor, UNCLASSIFIED_COLOR, type AnnotationStore } from '../../annotations';
import type { Predictor } from '../../inference/worker';
import { formatCount, formatMm2 } from '../format';

/** Rows shown at most: a region of thousands of shapes (imported nuclei, say) would make a table nobody reads, redrawn 4 times a second. */
const MAX_ROWS = 200;

const KIND: Record<RegionFigures['type'], string> = { rectangle: 'Rectangle', ellipse: 'Ellipse', polygon: 'Polygon' };

/**
 * What a row calls its annotation: its name, or its kind and place in the annotation list ("Ellipse 2", as
 * the list does); a deleted one (a resumed run's) by kind alone.
 */
function rowLabel(f: RegionFigures, annotations: AnnotationStore | null): { label: string; color: string; className: string | null } {
  const a = annotations?.get(f.id);
  if (!a) return { label: `${KIND[f.type]} (deleted)`, color: UNCLASSIFIED_COLOR, className: null };
  const index = annotations!.annotations.indexOf(a);
  return { label: a.name || `${KIND[f.type]} ${index + 1}`, color: classColor(annotations!.classes, a.className), className: a.className };
}

interface Props {
  figures: readonly RegionFigures[];
  model: Predictor;
  /** Names and class colours of the rows (the sidebar re-renders on every annotation change, so they follow edits). */
  annotations: AnnotationStore | null;
}

/**
 * Per annotation of the run's region (issue 14, part 6): its tiles analysed and, by task, the mean
 * probability per class (classification), nuclei per mm² and class area fractions (segmentation), or the
 * cells inside it per class and per mm² of its area (detection). Refreshed as tiles land.
 */
export function RegionFiguresPanel({ figures, model, annotations }: Props) {
  const classes = model.manifest.output.classes;
  const detection = figures.some((f) => f.cells);
  const nuclei = figures.some((f) => f.nuclei);
  return (
    <section className="panel-section" aria-label="Inside the annotations">
      <h3>Inside the annotations</h3>
      <div style={{ overflowX: 'auto' }}>
        <table className="vote-table" data-testid="region-figures">
          <thead>
            <tr>
              <th>Annotation</th>
              <th title="Tiles analysed of the annotation's tiles">Tiles</th>
              <th>Area</th>
              {nuclei ? <th>Nuclei per mm²</th> : null}
              {detection
                ? classes.map((c) => <th key={c.name} title={`${c.name}: cells inside, and per mm² of the annotation`}>{c.name}</th>)
                : classes.map((c) => <th key={c.name} title={`Mean ${model.manifest.task === 'segmentation' ? 'area fraction' : 'probability'} of ${c.name} over the analysed tiles`}>{c.name}</th>)}
              {detection ? <th>All cells</th> : null}
            </tr>
          </thead>
          <tbody>
            {figures.slice(0, MAX_ROWS).map((f) => {
              const { label, color, className } = rowLabel(f, annotations);
              return (
                <tr key={f.id} data-testid="region-row" data-annotation-id={f.id}>
                  <td>
                    <span className="class-chip" title={className ?? 'Unclassified'}>
                      <span className="swatch" style={{ background: color }} />
                      <span data-testid="region-label">{label}</span>
                    </span>
                  </td>
                  <td data-testid="region-tiles">{f.tilesAnalysed} / {f.tiles}</td>
                  <td data-testid="region-area">{formatMm2(f.areaMm2)}</td>
                  {nuclei ? <td data-testid="region-nuclei-per-mm2">{f.nuclei?.nucleiPerMm2 == null ? '—' : formatCount(f.nuclei.nucleiPerMm2)}</td> : null}
                  {detection
                    ? classes.map((c, i) => (
                        <td key={c.name}>
                          <span data-testid={`region-cells-${c.name}`}>{f.cells ? formatCount(f.cells.counts[i]) : '—'}</span>
                          <span className="muted"> · </span>
                          <span className="muted" data-testid={`region-cells-per-mm2-${c.name}`}>{f.cells ? formatCount(f.cells.perMm2[i]) : '—'}</span>
                        </td>
                      ))
                    : classes.map((c, i) => (
                        <td key={c.name} data-testid={`region-p-${c.name}`}>{f.meanProbabilities[i] == null ? '—' : f.meanProbabilities[i]!.toFixed(3)}</td>
                      ))}
                  {detection ? <td data-testid="region-cells-total">{f.cells ? `${formatCount(f.cells.total)} · ${formatCount(f.cells.totalPerMm2)}/mm²` : '—'}</td> : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {figures.length > MAX_ROWS ? <p className="muted" data-testid="region-rows-left-out">The first {MAX_ROWS} of {figures.length.toLocaleString('en')} annotations.</p> : null}
      <p className="muted">
        {detection
          ? 'Cells whose centre lies inside each annotation, and per mm² of its area; every tile that can hold such a cell is analysed.'
          : 'Tiles whose centre lies inside each annotation; means over those analysed.'}
      </p>
    </section>
  );
}
