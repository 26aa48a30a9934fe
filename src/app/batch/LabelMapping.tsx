import type { FolderLabels } from '../../batch/folder';

/**
 * Class folders and the model's classes side by side: matched ones are shown, unmatched ones can be mapped
 * to a class (or left unlabelled, scored without metrics).
 */
export function LabelMapping({ labels, classes, onMap, disabled }: { labels: FolderLabels; classes: string[]; onMap: (folder: string, classIndex: number | undefined) => void; disabled: boolean }) {
  const folders = [...new Set([...labels.classOfFolder.keys(), ...labels.unmatched])].sort();
  if (!folders.length) return <p className="muted" data-testid="label-summary">No class subfolders: the images are scored without labels or metrics.</p>;
  return (
    <section role="dialog" aria-label="Class folders" className={labels.unmatched.length ? 'label-mapping needs-mapping' : 'label-mapping'}>
      <p data-testid="label-summary">
        {labels.unmatched.length
          ? `${labels.unmatched.length} folder${labels.unmatched.length === 1 ? '' : 's'} match no class of the model: choose the class each one holds, or leave it unlabelled.`
          : 'Class folders are the true classes (names matched ignoring case):'}
      </p>
      <table className="vote-table">
        <thead>
          <tr><th>Folder</th><th>True class</th></tr>
        </thead>
        <tbody>
          {folders.map((f) => (
            <tr key={f}>
              <td>{f}/</td>
              <td>
                <select aria-label={`Class of folder ${f}`} disabled={disabled} value={labels.classOfFolder.get(f) ?? ''} onChange={(e) => onMap(f, e.target.value === '' ? undefined : Number(e.target.value))}>
                  <option value="">no label</option>
                  {classes.map((c, i) => <option key={c} value={i}>{c}</option>)}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
