import { TesseraError } from '../../core';
import type { OnnxGraph } from './model-graph';
import { unsupportedOperator, unsupportedUsage } from './onnx-errors';
import { OPS } from './ops/registry';

/**
 * Load-time check that Tessera can run every node: an unknown operator, or a known one used in a way the
 * importer does not support (cubic Resize, a 3-D Conv...), is refused before any weight is uploaded,
 * naming the operator and the node so the model's author can find it (e.g. in Netron).
 */
export function validateGraph(graph: OnnxGraph): void {
  const unknown = graph.nodes.filter((n) => !OPS.has(n.opType)).sort((a, b) => a.index - b.index);
  if (unknown.length) {
    const first = unknown[0];
    const err = unsupportedOperator(first);
    const others = [...new Set(unknown.map((n) => n.opType))].filter((t) => t !== first.opType);
    if (!others.length) throw err;
    throw new TesseraError(
      err.code,
      `${err.message} The model also uses ${others.map((t) => `"${t}"`).join(', ')}, which ${others.length > 1 ? 'are' : 'is'} not supported either.`,
      `unsupported operators ${[first.opType, ...others].join(', ')}`,
    );
  }
  for (const node of [...graph.nodes].sort((a, b) => a.index - b.index)) {
    const problem = OPS.get(node.opType)!.check?.(node, graph);
    if (problem) throw unsupportedUsage(node, problem);
  }
}
