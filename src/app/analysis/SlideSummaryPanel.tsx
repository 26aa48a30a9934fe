import type { SegmentationMeasures } from '../../analysis';
import { formatCount, formatMm2, formatPercent } from '../format';

/**
 * A segmentation model's slide summary (issue 13): nuclei per mm² of analysed tissue and the nuclear area
 * fraction, what a pathologist reads, instead of a plurality of pixel classes.
 */
export function SegmentationMeasuresPanel({ measures }: { measures: SegmentationMeasures }) {
  return (
    <section className="panel-section" aria-label="Slide measures">
      <h3>Nuclei</h3>
      <dl className="measures" data-testid="segmentation-measures">
        <dt>Nuclei per mm²</dt>
        <dd data-testid="nuclei-per-mm2">{measures.nucleiPerMm2 == null ? '—' : formatCount(measures.nucleiPerMm2)}</dd>
        <dt>Nuclear area fraction</dt>
        <dd data-testid="nuclear-area-fraction">{formatPercent(measures.nuclearAreaFraction)}</dd>
        <dt>Nuclei counted</dt>
        <dd data-testid="nuclei-count">{formatCount(measures.nuclei)}</dd>
        <dt>Analysed tissue</dt>
        <dd data-testid="analysed-tissue">{formatMm2(measures.tissueMm2)} in {measures.tilesAnalysed} tiles</dd>
      </dl>
    </section>
  );
}
