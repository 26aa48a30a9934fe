import type { CpuTensor } from './cpu-tensor';
import { DTYPE_NAMES, ONNX_DTYPES } from './cpu-tensor';
import { damagedModel, describeNode, unsupportedModel, unsupportedOperator } from './onnx-errors';
import type { AttributeData, ModelData, ValueInfoData } from './onnx-proto';
import { tensorFromProto } from './tensor-proto';

/**
 * A decoded ModelProto as the plain data the rest of the importer works on: nodes in an order where
 * every node comes after the producers of its inputs, initializers as CpuTensors, the opset of the
 * default domain, and the graph's real inputs (initializers listed as inputs, as IR < 4 does, are not).
 */

export const MIN_OPSET = 11;
export const MAX_OPSET = 18;

export interface OnnxNode {
  /** Position in the file, as tools such as Netron number nodes. */
  readonly index: number;
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: ReadonlyMap<string, AttributeData>;
}

export interface GraphValueInfo {
  readonly name: string;
  readonly elemType: number;
  readonly shape: (number | string)[];
}

export interface OnnxGraph {
  readonly fileName: string;
  readonly opset: number;
  readonly producer: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, CpuTensor>;
  readonly inputs: readonly GraphValueInfo[];
  readonly outputs: readonly GraphValueInfo[];
}

function defaultOpset(model: ModelData, fileName: string): number {
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  // IR version 2 files may lack opset_import; ONNX then means opset 1, which is out of range anyway.
  const opset = entry?.version ?? 1;
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw unsupportedModel(
      fileName,
      `uses ONNX opset ${opset}, and Tessera reads opsets ${MIN_OPSET} to ${MAX_OPSET}`,
      `export it again with torch.onnx.export(..., opset_version=17), or convert it with ` +
        `onnx.version_converter.convert_version(model, 17)`,
    );
  }
  return opset;
}

function valueInfo(v: ValueInfoData, fileName: string, role: string): GraphValueInfo {
  if (v.elemType !== 0 && !ONNX_DTYPES[v.elemType]) {
    const type = DTYPE_NAMES[v.elemType] ?? `data type ${v.elemType}`;
    throw unsupportedModel(fileName, `has ${role} "${v.name}" of type ${type}, which Tessera cannot use`);
  }
  if (v.elemType === 0) {
    throw unsupportedModel(fileName, `has ${role} "${v.name}" that is not a tensor (a sequence or a map)`);
  }
  return { name: v.name, elemType: v.elemType, shape: v.shape ?? [] };
}

/** Kahn's algorithm, keeping the file's order among nodes that are ready together. */
function topologicalOrder(nodes: OnnxNode[], available: Set<string>, fileName: string): OnnxNode[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => o && producer.set(o, i)));
  const waiting = nodes.map(() => 0);
  const consumers: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    for (const name of new Set(n.inputs)) {
      if (!name || available.has(name)) continue;
      const p = producer.get(name);
      if (p === undefined) {
        throw damagedModel(fileName, `${describeNode(n)} reads "${name}", which no node, input or initializer gives`);
      }
      waiting[i]++;
      consumers[p].push(i);
    }
  });
  const ready = nodes.map((_, i) => i).filter((i) => waiting[i] === 0);
  const order: OnnxNode[] = [];
  while (ready.length) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    order.push(nodes[i]);
    for (const c of consumers[i]) if (--waiting[c] === 0) ready.push(c);
  }
  if (order.length !== nodes.length) throw damagedModel(fileName, 'its graph has a cycle');
  return order;
}

export function buildGraph(model: ModelData, fileName: string): OnnxGraph {
  const g = model.graph;
  if (!g || g.nodes.length === 0) throw damagedModel(fileName, 'it holds no graph');
  const opset = defaultOpset(model, fileName);

  const initializers = new Map<string, CpuTensor>();
  for (const t of g.initializers) initializers.set(t.name, tensorFromProto(t, fileName));

  const nodes: OnnxNode[] = g.nodes.map((n, index) => {
    const node: OnnxNode = {
      index,
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      inputs: n.inputs,
      outputs: n.outputs,
      attrs: new Map(n.attributes.map((a) => [a.name, a])),
    };
    if (n.domain && n.domain !== 'ai.onnx') throw unsupportedOperator(node, n.domain);
    return node;
  });

  const inputs = g.inputs.filter((v) => !initializers.has(v.name)).map((v) => valueInfo(v, fileName, 'input'));
  if (inputs.length === 0) throw damagedModel(fileName, 'its graph has no input');
  const outputs = g.outputs.map((v) => valueInfo(v, fileName, 'output'));
  if (outputs.length === 0) throw damagedModel(fileName, 'its graph has no output');

  const available = new Set<string>([...initializers.keys(), ...inputs.map((v) => v.name)]);
  const ordered = topologicalOrder(nodes, available, fileName);
  const produced = new Set([...available, ...nodes.flatMap((n) => n.outputs)]);
  for (const o of outputs) {
    if (!produced.has(o.name)) throw damagedModel(fileName, `its output "${o.name}" is produced by no node`);
  }
  const producer = model.producerName ? `${model.producerName} ${model.producerVersion}`.trim() : 'unknown';
  return { fileName, opset, producer, nodes: ordered, initializers, inputs, outputs };
}
