import { TesseraError } from '../../core';

/**
 * The refusals of the ONNX importer, worded for the person who exported the model: what is wrong with
 * the file and what to do about it. The technical cause goes in `detail`.
 */

const EXPORT_HINT = 'export it again with torch.onnx.export (opset_version between 11 and 18)';

export function damagedModel(fileName: string, detail: string): TesseraError {
  return new TesseraError(
    'corrupt-file',
    `${fileName} is damaged or incomplete (${detail}): ${EXPORT_HINT}, and copy it again.`,
    detail,
  );
}

export function unsupportedModel(fileName: string, what: string, fix = EXPORT_HINT): TesseraError {
  return new TesseraError('unsupported', `${fileName} ${what}: ${fix}.`, what);
}

export interface NodeRef {
  readonly name: string;
  readonly index: number;
  readonly opType: string;
}

export function describeNode(node: NodeRef): string {
  return `node "${node.name || '(unnamed)'}", #${node.index}`;
}

export function unsupportedOperator(node: NodeRef, domain = ''): TesseraError {
  const op = domain && domain !== 'ai.onnx' ? `${domain}.${node.opType}` : node.opType;
  return new TesseraError(
    'unsupported',
    `Operator "${op}" (${describeNode(node)}) is not supported by Tessera's ONNX importer.`,
    `unsupported operator ${op}`,
  );
}

/** An operator Tessera knows, used in a way it does not support (e.g. cubic Resize, 3-D Conv). */
export function unsupportedUsage(node: NodeRef, what: string): TesseraError {
  return new TesseraError(
    'unsupported',
    `Operator "${node.opType}" (${describeNode(node)}) ${what}, which Tessera's ONNX importer does not support.`,
    `${node.opType}: ${what}`,
  );
}

/** A node failed while running: the model and its input disagree, or the graph is inconsistent. */
export function nodeFailed(node: NodeRef, cause: unknown): TesseraError {
  if (cause instanceof TesseraError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new TesseraError(
    'invalid-argument',
    `The model could not run: operator "${node.opType}" (${describeNode(node)}) failed (${detail}). ` +
      'Check that the input has the size and channels the model expects.',
    detail,
  );
}
