import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ProgressMeter, type RunProgress } from '../../analysis';
import { toTesseraError, type TesseraError } from '../../core';
import { folderLabels, isImageName, type BatchEntry, type FolderLabels } from '../../batch/folder';
import { PatchDecoder, type BrowserEntry, type DroppedFolder } from '../../batch/browser';
import { scoreEntries, type ScoredImage } from '../../batch/run';
import type { ImageFileRef, Predictor } from '../../inference/worker';

const BATCH_SIZE = 8;

export type BatchStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface BatchRun {
  folder: DroppedFolder | null;
  images: BrowserEntry[];
  /** Files that are not images by name: listed as skipped, never read. */
  others: BrowserEntry[];
  /** Labels from the folder layout, with the user's mapping of unmatched folders applied. */
  labels: FolderLabels;
  status: BatchStatus;
  progress: RunProgress | null;
  rows: ScoredImage[];
  skipped: SkippedFile[];
  notes: string[];
  error: TesseraError | null;
  /** A new folder: forgets the last run's results. */
  setFolder(folder: DroppedFolder): void;
  /** Maps a class folder to a class index (or undefined: scored without a label). */
  mapFolder(folder: string, classIndex: number | undefined): void;
  start(): void;
  cancel(): void;
}

/** One folder's scoring run with the chosen model: progress, results as they arrive, cancel. */
export function useBatchRun(model: Predictor | null): BatchRun {
  const [folder, setFolderState] = useState<DroppedFolder | null>(null);
  const [mapping, setMapping] = useState<Map<string, number | undefined>>(new Map());
  const [status, setStatus] = useState<BatchStatus>('idle');
  const [progress, setProgress] = useState<RunProgress | null>(null);
  const [rows, setRows] = useState<ScoredImage[]>([]);
  const [skipped, setSkipped] = useState<SkippedFile[]>([]);
  const [notes, setNotes] = useState<string[]>([]);
  const [error, setError] = useState<TesseraError | null>(null);
  const abort = useRef<AbortController | null>(null);

  const { images, others } = useMemo(() => {
    const all = folder?.entries ?? [];
    return { images: all.filter((e) => isImageName(e.path)), others: all.filter((e) => !isImageName(e.path)) };
  }, [folder]);

  const classes = useMemo(() => model?.manifest.output.classes.map((c) => c.name) ?? [], [model]);
  const labels = useMemo(() => withMapping(folderLabels(images.map((e) => e.path), classes), mapping), [images, classes, mapping]);

  const reset = () => {
    setStatus('idle');
    setProgress(null);
    setRows([]);
    setSkipped([]);
    setNotes([]);
    setError(null);
  };

  const setFolder = useCallback((next: DroppedFolder) => {
    abort.current?.abort();
    setFolderState(next);
    setMapping(new Map());
    reset();
  }, []);

  const mapFolder = useCallback((name: string, classIndex: number | undefined) => {
    setMapping((m) => new Map(m).set(name, classIndex));
  }, []);

  const start = useCallback(() => {
    if (!model || !images.length) return;
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    reset();
    setStatus('running');
    const decoder = new PatchDecoder(images);
    const meter = new ProgressMeter(images.length + others.length + (folder?.skipped?.length ?? 0));
    let done = 0;
    const unreadable = folder?.skipped ?? []; // entries the browser would not hand over (issue 15)
    let failed = others.length + unreadable.length;
    setSkipped([...unreadable, ...others.map((e) => ({ path: e.path, reason: `${e.path} is not a PNG, JPEG or TIFF file` }))]);
    setProgress(meter.report(done, failed));
    void (async () => {
      try {
        // Files go to the inference worker as references; it asks the decode worker for their pixels directly.
        const toRef = (e: BatchEntry): ImageFileRef => ({ kind: 'file', file: (e as BrowserEntry).file, name: e.path });
        for await (const event of scoreEntries(model, images, labels, { toRef, sources: { files: decoder }, batchSize: BATCH_SIZE, signal: controller.signal })) {
          if (controller.signal.aborted) break;
          if (event.kind === 'skipped') {
            failed++;
            setSkipped((s) => [...s, { path: event.path, reason: event.reason }]);
          } else if (event.kind === 'note') {
            setNotes((n) => [...n, event.text]);
          } else {
            done += event.images.length;
            setRows((r) => r.concat(event.images));
          }
          setProgress(meter.report(done, failed));
        }
        setStatus(controller.signal.aborted ? 'cancelled' : 'done');
      } catch (e) {
        const err = toTesseraError(e, 'The scoring run failed.');
        if (err.code === 'aborted' || controller.signal.aborted) setStatus('cancelled');
        else {
          setError(err);
          setStatus('failed');
        }
      } finally {
        decoder.dispose();
      }
    })();
  }, [model, folder, images, others, labels]);

  const cancel = useCallback(() => abort.current?.abort(), []);
  useEffect(() => () => abort.current?.abort(), []);

  return { folder, images, others, labels, status, progress, rows, skipped, notes, error, setFolder, mapFolder, start, cancel };
}

function withMapping(labels: FolderLabels, mapping: Map<string, number | undefined>): FolderLabels {
  if (!mapping.size) return labels;
  const classOfFolder = new Map(labels.classOfFolder);
  const unmatched: string[] = [];
  for (const f of [...labels.classOfFolder.keys(), ...labels.unmatched].sort()) {
    const mapped = mapping.has(f) ? mapping.get(f) : labels.classOfFolder.get(f);
    if (mapped === undefined) {
      classOfFolder.delete(f);
      unmatched.push(f);
    } else classOfFolder.set(f, mapped);
  }
  return { labelled: classOfFolder.size > 0, classOfFolder, unmatched };
}
