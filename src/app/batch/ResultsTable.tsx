import { useEffect, useMemo, useState } from 'react';
import type { ScoredImage } from '../../batch/run';

const PAGE = 50;

export interface ResultRow extends ScoredImage {
  predicted: number;
}

type SortKey = 'file' | 'prediction' | 'probability' | 'correct';

/** Scored files: thumbnail, prediction, probabilities, true label, right or wrong; sort, filter, page, enlarge. */
export function ResultsTable({ rows, classes, files }: { rows: ResultRow[]; classes: string[]; files: Map<string, File> }) {
  const [sort, setSort] = useState<{ key: SortKey; cls: number; down: boolean }>({ key: 'file', cls: 0, down: false });
  const [filter, setFilter] = useState('all');
  const [page, setPage] = useState(0);
  const [enlarged, setEnlarged] = useState<ResultRow | null>(null);
  const labelled = rows.some((r) => r.label !== undefined);

  const shown = useMemo(() => {
    const keep = rows.filter((r) => {
      if (filter === 'mistakes') return r.label !== undefined && r.label !== r.predicted;
      if (filter.startsWith('pred:')) return r.predicted === Number(filter.slice(5));
      if (filter.startsWith('true:')) return r.label === Number(filter.slice(5));
      return true;
    });
    const value = (r: ResultRow): number | string => {
      if (sort.key === 'prediction') return classes[r.predicted];
      if (sort.key === 'probability') return r.probabilities[sort.cls];
      if (sort.key === 'correct') return r.label === undefined ? 2 : r.label === r.predicted ? 1 : 0;
      return r.path;
    };
    const sign = sort.down ? -1 : 1;
    return keep.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      return x < y ? -sign : x > y ? sign : 0;
    });
  }, [rows, filter, sort, classes]);

  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const at = Math.min(page, pages - 1);
  const visible = shown.slice(at * PAGE, at * PAGE + PAGE);
  const order = (key: SortKey, cls = 0) => setSort((s) => ({ key, cls, down: s.key === key && s.cls === cls ? !s.down : key === 'probability' }));
  const arrow = (key: SortKey, cls = 0) => (sort.key === key && sort.cls === cls ? (sort.down ? ' ▼' : ' ▲') : '');

  return (
    <section className="results" aria-label="Results">
      <div className="row">
        <label className="form-label" htmlFor="result-filter">Show</label>
        <select id="result-filter" aria-label="Show" value={filter} onChange={(e) => { setFilter(e.target.value); setPage(0); }}>
          <option value="all">all {rows.length} files</option>
          {labelled ? <option value="mistakes">only the mistakes</option> : null}
          {classes.map((c, i) => <option key={`p${c}`} value={`pred:${i}`}>predicted {c}</option>)}
          {labelled ? classes.map((c, i) => <option key={`t${c}`} value={`true:${i}`}>truly {c}</option>) : null}
        </select>
        <span className="muted" data-testid="results-count">{shown.length} shown</span>
        <span className="pager">
          <button type="button" disabled={at === 0} onClick={() => setPage(at - 1)}>‹ Previous</button>
          <span>page {at + 1} of {pages}</span>
          <button type="button" disabled={at >= pages - 1} onClick={() => setPage(at + 1)}>Next ›</button>
        </span>
      </div>
      <table className="results-table" data-testid="results-table">
        <thead>
          <tr>
            <th />
            <th><button type="button" className="link" onClick={() => order('file')}>File{arrow('file')}</button></th>
            <th><button type="button" className="link" onClick={() => order('prediction')}>Prediction{arrow('prediction')}</button></th>
            {classes.map((c, i) => <th key={c}><button type="button" className="link" onClick={() => order('probability', i)}>p({c}){arrow('probability', i)}</button></th>)}
            {labelled ? <th>True class</th> : null}
            {labelled ? <th><button type="button" className="link" onClick={() => order('correct')}>Right?{arrow('correct')}</button></th> : null}
          </tr>
        </thead>
        <tbody>
          {visible.map((r) => (
            <tr key={r.path} className={r.label !== undefined && r.label !== r.predicted ? 'mistake' : undefined}>
              <td><Thumbnail file={files.get(r.path)} onClick={() => setEnlarged(r)} /></td>
              <td className="file-cell">{r.path}</td>
              <td>{classes[r.predicted]}</td>
              {classes.map((c, i) => <td key={c} className="number">{r.probabilities[i].toFixed(4)}</td>)}
              {labelled ? <td>{r.label === undefined ? '—' : classes[r.label]}</td> : null}
              {labelled ? <td>{r.label === undefined ? '' : r.label === r.predicted ? '✓' : '✗'}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
      {enlarged ? <Enlarged row={enlarged} file={files.get(enlarged.path)} classes={classes} onClose={() => setEnlarged(null)} /> : null}
    </section>
  );
}

/** An object URL for a file while shown (browsers draw PNG and JPEG; TIFF has no thumbnail). */
function useObjectUrl(file: File | undefined): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!file || /\.tiff?$/i.test(file.name)) {
      setUrl(null);
      return;
    }
    const u = URL.createObjectURL(file);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [file]);
  return url;
}

function Thumbnail({ file, onClick }: { file: File | undefined; onClick: () => void }) {
  const url = useObjectUrl(file);
  return (
    <button type="button" className="thumb" title="Enlarge" onClick={onClick}>
      {url ? <img src={url} alt="" loading="lazy" decoding="async" /> : <span className="muted">TIFF</span>}
    </button>
  );
}

function Enlarged({ row, file, classes, onClose }: { row: ResultRow; file: File | undefined; classes: string[]; onClose: () => void }) {
  const url = useObjectUrl(file);
  useEffect(() => {
    const key = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', key);
    return () => window.removeEventListener('keydown', key);
  }, [onClose]);
  return (
    <div className="enlarged" role="dialog" aria-label={`Image ${row.path}`} onClick={onClose}>
      <figure onClick={(e) => e.stopPropagation()}>
        {url ? <img src={url} alt={row.path} /> : <p className="muted">The browser cannot show TIFF images; its prediction is below.</p>}
        <figcaption>
          <strong>{row.path}</strong>: predicted {classes[row.predicted]}
          {row.label !== undefined ? `, truly ${classes[row.label]}` : ''} · {classes.map((c, i) => `p(${c}) ${row.probabilities[i].toFixed(4)}`).join(' · ')}
          <button type="button" onClick={onClose}>Close</button>
        </figcaption>
      </figure>
    </div>
  );
}
