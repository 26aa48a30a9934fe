import type { RegionFigures } from '../../analysis';
import { classColor, UNCLASSIFIED_COLOR, type AnnotationStore } from '../../annotations';
import type { Predictor } from '../../inference/worker';
import { formatCount } from '../format';

/** Rows shown at most: a region of thousands of shapes (imported nuclei, say) would make a table nobody reads, redrawn 4 times a second. */
const MAX_ROWS = 100;

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
  const perClass = detection ? 'Cells' : model.manifest.task === 'segmentation' ? 'Mean area' : 'Mean p';
  const columns = detection ? 3 : 2;
  // One group per annotation (its name, tiles, area, nuclei), then a row per class: narrow enough for the
  // side panel whatever the number of classes.
  return (
    <section className="panel-section" aria-label="Inside the annotations">
      <h3>Inside the annotations</h3>
      <table className="vote-table" data-testid="region-figures">
        <thead>
          <tr>
            <th>Class</th>
            <th title={detection ? 'Cells whose centre lies inside' : `${perClass} over the analysed tiles`}>{perClass}</th>
            {detection ? <th title="Cells per mm² of the annotation's area">per mm²</th> : null}
          </tr>
        </thead>
        {figures.slice(0, MAX_ROWS).map((f) => {
          const { label, color, className } = rowLabel(f, annotations);
          return (
            <tbody key={f.id} data-testid="region-row" data-annotation-id={f.id}>
              <tr>
                <td colSpan={columns} style={{ paddingTop: 6 }}>
                  <span className="class-chip" title={className ?? 'Unclassified'}>
                    <span className="swatch" style={{ background: color }} />
                    <strong data-testid="region-label">{label}</strong>
                  </span>{' '}
                  <span className="muted">
                    <span data-testid="region-tiles">{f.tilesAnalysed} / {f.tiles}</span> tiles · <span data-testid="region-area">{f.areaMm2.toFixed(3)}</span> mm²
                    {nuclei ? <> · <span data-testid="region-nuclei-per-mm2">{f.nuclei?.nucleiPerMm2 == null ? '—' : formatCount(f.nuclei.nucleiPerMm2)}</span> nuclei/mm²</> : null}
                  </span>
                </td>
              </tr>
              {classes.map((c, i) => (
                <tr key={c.name}>
                  <td><span className="class-chip"><span className="swatch" style={{ background: c.color }} />{c.name}</span></td>
                  {detection ? (
                    <>
                      <td data-testid={`region-cells-${c.name}`}>{f.cells ? formatCount(f.cells.counts[i]) : '—'}</td>
                      <td data-testid={`region-cells-per-mm2-${c.name}`}>{f.cells ? formatCount(f.cells.perMm2[i]) : '—'}</td>
                    </>
                  ) : (
                    <td data-testid={`region-p-${c.name}`}>{f.meanProbabilities[i] == null ? '—' : f.meanProbabilities[i]!.toFixed(3)}</td>
                  )}
                </tr>
              ))}
              {detection ? (
                <tr>
                  <td>all cells</td>
                  <td data-testid="region-cells-total">{f.cells ? formatCount(f.cells.total) : '—'}</td>
                  <td data-testid="region-cells-per-mm2-total">{f.cells ? formatCount(f.cells.totalPerMm2) : '—'}</td>
                </tr>
              ) : null}
            </tbody>
          );
        })}
      </table>
      {figures.length > MAX_ROWS ? <p className="muted" data-testid="region-rows-left-out">The first {MAX_ROWS} of {figures.length.toLocaleString('en')} annotations.</p> : null}
      <p className="muted">
        {detection
          ? 'Cells whose centre lies inside each annotation, and per mm² of its area; every tile that can hold such a cell is analysed.'
          : 'Tiles whose centre lies inside each annotation; means over those analysed.'}
      </p>
    </section>
  );
}
