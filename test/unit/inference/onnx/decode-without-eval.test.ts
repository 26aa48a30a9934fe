import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TesseraError } from '../../../../src/core/errors';
import { decodeModel, type ModelData } from '../../../../src/inference/onnx/onnx-proto';
import { FIXTURE_DIR } from './support/fixtures';
import { ONNX_DESCRIPTOR, onnxRoot } from './support/onnx-descriptor';
import protobuf from 'protobufjs/light.js';

/**
 * The app runs under a Content Security Policy without 'unsafe-eval' (vite/security-headers.ts), so the
 * ONNX decoder must not build code at run time (protobufjs reflection does, with `Function(source)`).
 * Every ONNX file in the repository is decoded with `Function` and `eval` replaced by throwing stubs and
 * compared with protobufjs reflection's decoding of the same bytes (outside the stubs), mapped to the
 * importer's plain data exactly as the importer used to map it.
 */

const REPO = join(import.meta.dirname, '../../../..');

function onnxFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? onnxFiles(join(dir, d.name)) : d.name.endsWith('.onnx') ? [join(dir, d.name)] : [],
  );
}

const modelsDir = join(REPO, 'models');
const FILES = [
  ...onnxFiles(FIXTURE_DIR),
  ...(existsSync(modelsDir) ? readdirSync(modelsDir).map((m) => join(modelsDir, m, 'model.onnx')).filter(existsSync) : []),
].sort();

// ---- the reference: protobufjs reflection + the importer's former mapping -------------------------------

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function refInt64(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'low' in v && 'high' in v) {
    const { low, high, unsigned } = v as { low: number; high: number; unsigned?: boolean };
    return (unsigned ? high >>> 0 : high) * 4294967296 + (low >>> 0);
  }
  return Number(v ?? 0);
}

const text = new TextDecoder();
const refStr = (b: Uint8Array | undefined) => (b && b.length ? text.decode(b) : '');

function refTensor(m: Msg) {
  return {
    name: m.name ?? '',
    dims: (m.dims ?? []).map(refInt64),
    dataType: m.dataType ?? 0,
    rawData: m.rawData && m.rawData.length ? (m.rawData as Uint8Array) : undefined,
    floatData: m.floatData ?? [],
    int32Data: m.int32Data ?? [],
    int64Data: (m.int64Data ?? []).map(refInt64),
    doubleData: m.doubleData ?? [],
    uint64Data: (m.uint64Data ?? []).map(refInt64),
    external: m.dataLocation === 1 || (m.externalData ?? []).length > 0,
  };
}

function refValueInfo(m: Msg) {
  const tt = m.type?.tensorType;
  const dims: Msg[] | undefined = tt?.shape?.dim;
  return {
    name: m.name ?? '',
    elemType: tt?.elemType ?? 0,
    shape: dims?.map((d) => (d.value === 'dimValue' ? refInt64(d.dimValue) : d.value === 'dimParam' ? d.dimParam || '?' : '?')),
  };
}

function refModel(m: Msg): ModelData {
  const g = m.graph;
  return {
    irVersion: refInt64(m.irVersion),
    opsetImport: (m.opsetImport ?? []).map((o: Msg) => ({ domain: o.domain ?? '', version: refInt64(o.version) })),
    producerName: m.producerName ?? '',
    producerVersion: m.producerVersion ?? '',
    graph: g
      ? {
          name: g.name ?? '',
          nodes: (g.node ?? []).map((n: Msg) => ({
            name: n.name ?? '',
            opType: n.opType ?? '',
            domain: n.domain ?? '',
            inputs: n.input ?? [],
            outputs: n.output ?? [],
            attributes: (n.attribute ?? []).map((a: Msg) => ({
              name: a.name ?? '',
              type: a.type ?? 0,
              f: a.f ?? 0,
              i: refInt64(a.i),
              s: refStr(a.s),
              t: a.t ? refTensor(a.t) : undefined,
              floats: a.floats ?? [],
              ints: (a.ints ?? []).map(refInt64),
              strings: (a.strings ?? []).map(refStr),
              hasGraph: !!a.g || (a.graphs ?? []).length > 0,
            })),
          })),
          initializers: (g.initializer ?? []).map(refTensor),
          inputs: (g.input ?? []).map(refValueInfo),
          outputs: (g.output ?? []).map(refValueInfo),
        }
      : undefined,
  };
}

/** Reflection's reading of `bytes`: the model, or the error reflection's decoder threw. */
function reference(bytes: Uint8Array, root = onnxRoot): ModelData | Error {
  try {
    return refModel(root.lookupType('onnx.ModelProto').decode(bytes) as unknown as Msg);
  } catch (e) {
    return e as Error;
  }
}

// ---- decoding with eval forbidden ---------------------------------------------------------------------

const STUB = 'stub: evaluating a string as JavaScript is forbidden (no unsafe-eval)';

/** Runs `fn` with globalThis.Function and eval throwing, as under the app's CSP; counts the attempts. */
function withoutEval<T>(fn: () => T): { value?: T; error?: unknown; evalAttempts: number } {
  const g = globalThis as Record<string, unknown>;
  const saved = { Function: g.Function, eval: g.eval };
  let evalAttempts = 0;
  const stub = function () {
    evalAttempts++;
    throw new EvalError(STUB);
  };
  g.Function = stub;
  g.eval = stub;
  try {
    return { value: fn(), evalAttempts };
  } catch (error) {
    return { error, evalAttempts };
  } finally {
    g.Function = saved.Function;
    g.eval = saved.eval;
  }
}

/** The model with each raw_data replaced by its length and hash, so toEqual stays fast and readable. */
function comparable(m: ModelData): unknown {
  return JSON.parse(
    JSON.stringify(m, (_k, v) =>
      v instanceof Uint8Array ? `raw ${v.length} B sha256 ${createHash('sha256').update(v).digest('hex')}` : v === undefined ? '<undefined>' : v,
    ),
  );
}

/** Key facts, to make a failure's message readable. */
function facts(m: ModelData) {
  const g = m.graph!;
  return {
    opset: m.opsetImport.find((o) => o.domain === '')?.version,
    nodes: g.nodes.length,
    opTypes: [...new Set(g.nodes.map((n) => n.opType))].sort(),
    initializers: g.initializers.map((t) => `${t.name} [${t.dims}]`),
    inputs: g.inputs.map((v) => `${v.name} [${v.shape}]`),
    outputs: g.outputs.map((v) => `${v.name} [${v.shape}]`),
  };
}

function expectSameDecoding(bytes: Uint8Array, name: string, root = onnxRoot) {
  const expected = reference(bytes, root);
  const got = withoutEval(() => decodeModel(bytes, name));
  expect(got.evalAttempts, 'Function/eval called while decoding').toBe(0);
  if (expected instanceof Error) {
    // Reflection cannot read it either: the importer refuses it as damaged, with the reader's reason.
    expect(got.error, `reflection threw "${expected.message}"`).toBeInstanceOf(TesseraError);
    const err = got.error as TesseraError;
    expect(err.code).toBe('corrupt-file');
    expect(err.message.startsWith(`${name} is damaged or incomplete (`)).toBe(true);
    expect(err.message).not.toContain(STUB);
    // The reader's own words go to the detail (the message is ours, issue 15); they must be reflection's.
    expect(err.detail, 'the reader stops where reflection stops').toContain(expected.message);
    return undefined;
  }
  if (got.error) throw got.error;
  const model = got.value!;
  if (model.graph) expect(facts(model)).toEqual(facts(expected));
  expect(comparable(model)).toEqual(comparable(expected));
  return model;
}

describe('ONNX decoding needs no eval (CSP without unsafe-eval)', () => {
  it('finds the fixture and shipped models', () => {
    expect(FILES.length).toBeGreaterThan(0);
    if (existsSync(modelsDir)) expect(FILES.some((f) => f.includes('brain-mri-classifier'))).toBe(true);
  });

  it.each(FILES.map((f) => [relative(REPO, f), f]))('%s decodes as protobufjs reflection decodes it', (_rel, file) => {
    const bytes = new Uint8Array(readFileSync(file));
    const name = file.split('/').pop()!;
    const expected = reference(bytes);
    const model = expectSameDecoding(bytes, name);
    if (file.includes('/broken/truncated')) expect(expected).toBeInstanceOf(Error); // refusals.test.ts: corrupt-file
    else {
      expect(model?.graph?.nodes.length).toBeGreaterThan(0);
      expect(model!.graph!.inputs.length).toBeGreaterThan(0);
    }
  });

  it('every prefix of a small model: damaged where reflection fails, the same model where it succeeds', () => {
    const file = FILES.filter((f) => !f.includes('/broken/')).sort((a, b) => readFileSync(a).length - readFileSync(b).length)[0];
    const bytes = new Uint8Array(readFileSync(file));
    let refused = 0;
    for (let n = 1; n < bytes.length; n++) if (!expectSameDecoding(bytes.subarray(0, n), 'cut.onnx')) refused++;
    expect(refused).toBeGreaterThan(0);
    const err = withoutEval(() => decodeModel(new Uint8Array(0), 'empty.onnx')).error as TesseraError;
    expect(err.message).toMatch(/^empty\.onnx is damaged or incomplete \(the file is empty\)/);
  });

  it('repeated numeric fields packed and unpacked, int64 extremes, oneof dimensions, sub-graphs, external data', () => {
    // ONNX_DESCRIPTOR has no syntax line, so protobufjs resolves it with proto3 defaults (repeated scalars
    // packed); onnx.proto is proto2 (unpacked unless [packed = true], as its tensor data fields are). Encode
    // the same model both ways: every repeated scalar field marked packed = false, and packed = true.
    const variant = (packed: boolean) => {
      const d = JSON.parse(JSON.stringify(ONNX_DESCRIPTOR));
      const walk = (o: Msg) => {
        for (const v of Object.values(o)) {
          if (v && typeof v === 'object') {
            if (v.rule === 'repeated' && /^(u?int(32|64)|float|double)$/.test(v.type)) v.options = { packed };
            walk(v);
          }
        }
      };
      walk(d);
      return protobuf.Root.fromJSON(d);
    };
    const unpackedRoot = variant(false);
    const packedRoot = variant(true);
    const big = 2 ** 40 + 3;
    const tensor = {
      name: 'w',
      dims: [2, 3],
      dataType: 7,
      floatData: [1.5, -0, 3.25],
      int32Data: [-1, 2147483647, -2147483648],
      int64Data: [-1, big, -big, 0],
      doubleData: [Math.PI, -1e300],
      uint64Data: [big, 4294967296],
    };
    const msg = {
      irVersion: 9,
      producerName: 'pytørch',
      producerVersion: '2.1',
      modelVersion: 7,
      opsetImport: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }],
      graph: {
        name: 'g',
        node: [
          {
            name: 'n0',
            opType: 'If',
            domain: '',
            input: ['x', ''],
            output: ['y'],
            attribute: [
              { name: 'then_branch', type: 5, g: { name: 'sub', node: [{ opType: 'Relu', input: ['x'], output: ['y'] }] } },
              { name: 'k', type: 2, i: -5 },
              { name: 'big', type: 2, i: big },
              { name: 'alpha', type: 1, f: 0.25 },
              { name: 'mode', type: 3, s: new TextEncoder().encode('linear') },
              { name: 'pads', type: 7, ints: [0, -1, big] },
              { name: 'scales', type: 6, floats: [0.5, 2] },
              { name: 'names', type: 8, strings: [new TextEncoder().encode('a'), new Uint8Array(0), new TextEncoder().encode('é')] },
              { name: 'value', type: 4, t: tensor },
              { name: 'branches', type: 10, graphs: [{ name: 'b' }] },
            ],
          },
          { opType: 'Identity', input: ['y'], output: ['z'], attribute: [{ name: 'empty_t', type: 4, t: {} }] },
        ],
        initializer: [
          tensor,
          { name: 'raw', dims: [4], dataType: 2, rawData: new Uint8Array([1, 2, 3, 4]) },
          { name: 'ext', dims: [1], dataType: 1, dataLocation: 1 },
          { name: 'ext2', dims: [1], dataType: 1, externalData: [{ key: 'location', value: 'w.bin' }] },
        ],
        input: [
          {
            name: 'x',
            type: {
              tensorType: {
                elemType: 1,
                shape: { dim: [{ dimParam: 'batch' }, { dimValue: 3 }, { dimValue: 0 }, { dimParam: '' }, {}, { denotation: 'DATA_CHANNEL' }] },
              },
            },
          },
          { name: 'noshape', type: { tensorType: { elemType: 7 } } },
          { name: 'emptyshape', type: { tensorType: { elemType: 1, shape: {} } } },
          { name: 'seq', type: { sequenceType: { elemType: { tensorType: { elemType: 1 } } } } },
          { name: 'untyped' },
        ],
        output: [{ name: 'z', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: big }] } } } }],
        valueInfo: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
      },
    };
    const encode = (root: protobuf.Root) => {
      const T = root.lookupType('onnx.ModelProto');
      return T.encode(T.fromObject(msg)).finish();
    };
    const unpacked = encode(unpackedRoot);
    const packed = encode(packedRoot);
    expect(packed.length, 'the packed encoding is shorter').toBeLessThan(unpacked.length);

    const a = expectSameDecoding(unpacked, 'unpacked.onnx', unpackedRoot)!;
    const b = expectSameDecoding(packed, 'packed.onnx', packedRoot)!;
    expect(comparable(b)).toEqual(comparable(a));

    // And the values themselves, not only agreement with reflection.
    const g = a.graph!;
    expect(a.irVersion).toBe(9);
    expect(a.producerName).toBe('pytørch');
    expect(a.opsetImport).toEqual([{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }]);
    const attrs = Object.fromEntries(g.nodes[0].attributes.map((x) => [x.name, x]));
    expect(attrs.then_branch.hasGraph).toBe(true);
    expect(attrs.branches.hasGraph).toBe(true);
    expect(attrs.k.hasGraph).toBe(false);
    expect(attrs.k.i).toBe(-5);
    expect(attrs.big.i).toBe(big);
    expect(attrs.alpha.f).toBe(0.25);
    expect(attrs.mode.s).toBe('linear');
    expect(attrs.pads.ints).toEqual([0, -1, big]);
    expect(attrs.scales.floats).toEqual([0.5, 2]);
    expect(attrs.names.strings).toEqual(['a', '', 'é']);
    expect(g.nodes[0].inputs).toEqual(['x', '']);
    expect(g.nodes[1].attributes[0].t).toEqual({
      name: '', dims: [], dataType: 0, rawData: undefined, floatData: [], int32Data: [], int64Data: [], doubleData: [], uint64Data: [], external: false,
    });
    for (const t of [attrs.value.t!, g.initializers[0]]) {
      expect(t.dims).toEqual([2, 3]);
      expect(t.floatData).toEqual([1.5, -0, 3.25]);
      expect(Object.is(t.floatData[1], -0)).toBe(true);
      expect(t.int32Data).toEqual([-1, 2147483647, -2147483648]);
      expect(t.int64Data).toEqual([-1, big, -big, 0]);
      expect(t.doubleData).toEqual([Math.PI, -1e300]);
      expect(t.uint64Data).toEqual([big, 4294967296]);
      expect(t.external).toBe(false);
    }
    expect(Array.from(g.initializers[1].rawData!)).toEqual([1, 2, 3, 4]);
    expect(g.initializers.map((t) => t.external)).toEqual([false, false, true, true]);
    expect(g.inputs).toEqual([
      { name: 'x', elemType: 1, shape: ['batch', 3, 0, '?', '?', '?'] },
      { name: 'noshape', elemType: 7, shape: undefined },
      { name: 'emptyshape', elemType: 1, shape: [] },
      { name: 'seq', elemType: 0, shape: undefined },
      { name: 'untyped', elemType: 0, shape: undefined },
    ]);
    expect(g.outputs[0].shape).toEqual([big]);
  });

  it('hand-made wire bytes: sub-message bounds, invalid UTF-8, wrong wire types, groups, merged messages', () => {
    const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
    // Tags: (field << 3) | wire type. ModelProto.graph 7 → 0x3a; GraphProto.name 2 → 0x12, node 1 → 0x0a;
    // NodeProto.name 3 → 0x1a, op_type 4 → 0x22; ModelProto.ir_version 1 as varint → 0x08, as bytes → 0x0a.
    const cases: { name: string; bytes: number[]; refused: boolean }[] = [
      // graph says 3 bytes, its name says 5: the name may not be read past the graph's end
      { name: 'field past its message', bytes: [0x3a, 3, 0x12, 5, ...ascii('abcde'), 0x1a, 0], refused: true },
      { name: 'invalid UTF-8 name', bytes: [0x3a, 6, 0x0a, 4, 0x1a, 2, 0xff, 0xfe], refused: true },
      { name: 'length past the end', bytes: [0x3a, 100, 0x12, 1, 0x61], refused: true },
      { name: 'wire type 4 at the top', bytes: ascii('<html>404 Not Found</html>'), refused: true },
      { name: 'ir_version with the wrong wire type (skipped)', bytes: [0x0a, 1, 5, 0x08, 7, 0x3a, 0], refused: false },
      // an unknown field 15 as a group (start 0x7b, a varint field inside, end 0x7c), skipped
      { name: 'unknown group', bytes: [0x7b, 0x08, 0x01, 0x7c, 0x08, 3], refused: false },
      // graph given twice: merged (name from the first, nodes from both)
      {
        name: 'graph given twice',
        bytes: [0x3a, 8, 0x12, 1, 0x61, 0x0a, 3, 0x22, 1, 0x58, 0x3a, 5, 0x0a, 3, 0x22, 1, 0x59],
        refused: false,
      },
    ];
    const got = Object.fromEntries(cases.map((c) => [c.name, expectSameDecoding(Uint8Array.from(c.bytes), 'hand.onnx')]));
    for (const c of cases) expect(got[c.name] === undefined, c.name).toBe(c.refused);
    expect(got['ir_version with the wrong wire type (skipped)']!.irVersion).toBe(7);
    expect(got['unknown group']!.irVersion).toBe(3);
    const merged = got['graph given twice']!.graph!;
    expect([merged.name, ...merged.nodes.map((n) => n.opType)]).toEqual(['a', 'X', 'Y']);
  });

  it('src/ does not use protobufjs reflection (its decoders are built with Function)', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const d of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, d.name);
        if (d.isDirectory()) walk(p);
        else if (/\.(ts|tsx|js|mjs)$/.test(d.name)) {
          for (const m of readFileSync(p, 'utf8').matchAll(/from\s+['"](protobufjs[^'"]*)['"]|require\(\s*['"](protobufjs[^'"]*)['"]/g)) {
            const spec = m[1] ?? m[2];
            if (spec !== 'protobufjs/minimal.js' && spec !== 'protobufjs/minimal') offenders.push(`${relative(REPO, p)}: ${spec}`);
          }
        }
      }
    };
    walk(join(REPO, 'src'));
    expect(offenders).toEqual([]);
  });
});
