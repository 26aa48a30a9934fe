import type { CellSummary, SegmentationMeasures } from '../../analysis';
import { formatCount, formatMm2, formatPercent, formatRatio } from '../format';

/**
 * A segmentation model's slide summary (issue 13): nuclei per mm² of analysed tissue and the nuclear area
 * fraction, what a pathologist reads, instead of a plurality of pixel classes.
 */
export function SegmentationMeasuresPanel({ measures }: { measures: SegmentationMeasures }) {
  return (
    <section className="panel-section" aria-label="Slide measures">
      <h3>Nuclei</h3>
      <dl className="facts" data-testid="segmentation-measures">
        <dt>Nuclei per mm²</dt>
        <dd data-testid="nuclei-per-mm2">{measures.nucleiPerMm2 == null ? '—' : formatCount(measures.nucleiPerMm2)}</dd>
        <dt>Nuclear area fraction</dt>
        <dd data-testid="nuclear-area-fraction">{formatPercent(measures.nuclearAreaFraction)}</dd>
        <dt>Nuclei counted</dt>
        <dd data-testid="nuclei-count">{formatCount(measures.nuclei)}</dd>
        <dt>Analysed tissue</dt>
        <dd data-testid="analysed-tissue">{formatMm2(measures.tissueMm2)} ({measures.tilesAnalysed} tiles)</dd>
      </dl>
    </section>
  );
}

/**
 * A detection model's slide summary (issue 13): cells per class, per mm² of analysed tissue, their
 * percentages and the lymphocyte ratio (lymphocytes ÷ (lymphocytes + tumour cells)), instead of a tile vote.
 */
export function CellSummaryPanel({ summary, colors }: { summary: CellSummary; colors: readonly string[] }) {
  const ratio = summary.lymphocyteClass >= 0 && summary.tumourClass >= 0;
  return (
    <section className="panel-section" aria-label="Cell summary">
      <h3>Cell counts</h3>
      <table className="vote-table" data-testid="cells-table">
        <thead>
          <tr><th>Class</th><th>Cells</th><th>per mm²</th><th>%</th></tr>
        </thead>
        <tbody>
          {summary.classNames.map((name, i) => (
            <tr key={name}>
              <td><span className="class-chip"><span className="swatch" style={{ background: colors[i] }} />{name}</span></td>
              <td data-testid={`cells-count-${name}`}>{formatCount(summary.counts[i])}</td>
              <td data-testid={`cells-per-mm2-${name}`}>{summary.perMm2[i] == null ? '—' : formatCount(summary.perMm2[i]!)}</td>
              <td data-testid={`cells-percent-${name}`}>{summary.percent[i] == null ? '—' : `${summary.percent[i]!.toFixed(1)}%`}</td>
            </tr>
          ))}
          <tr>
            <td>all cells</td>
            <td data-testid="cells-total">{formatCount(summary.total)}</td>
            <td data-testid="cells-per-mm2-total">{summary.totalPerMm2 == null ? '—' : formatCount(summary.totalPerMm2)}</td>
            <td />
          </tr>
        </tbody>
      </table>
      {ratio ? (
        <p>
          Lymphocyte ratio <strong data-testid="lymphocyte-ratio">{formatRatio(summary.lymphocyteRatio)}</strong>{' '}
          <span className="muted">{summary.classNames[summary.lymphocyteClass]} ÷ ({summary.classNames[summary.lymphocyteClass]} + {summary.classNames[summary.tumourClass]})</span>
        </p>
      ) : null}
      <p className="muted" data-testid="cells-tissue">Densities over the {formatMm2(summary.tissueMm2)} of tissue analysed ({summary.tilesAnalysed} tiles)</p>
    </section>
  );
}
