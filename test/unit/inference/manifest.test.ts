import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_STAIN, REFERENCE_STAIN_MATRIX, detectModelFiles, filesFromMap, fromWsinferConfig, paletteColor, readManifest, validateManifest,
} from '../../../src/inference';
import { HAVE_FIXTURES, SKIP_REASON, fixture } from '../../support/fixtures';
import { tesseraJson, tinyGraphModel, tinyLayersModel, useCpu } from './helpers';

beforeAll(useCpu);

// The example manifest of ../shared/DESIGN.md ("The model manifest"), as it is written there.
const DESIGN_EXAMPLE = {
  name: 'Breast tissue (ICIAR 2018)',
  task: 'classification',
  format: 'tfjs-layers',
  weights: 'model.json',
  input: { size: [128, 128], spacingUmPx: 0.42, channels: 'rgb', scale: 255, mean: [0, 0, 0], std: [1, 1, 1] },
  output: {
    activation: 'softmax',
    classes: [{ name: 'Normal', color: '#3b8f4a' }, { name: 'Benign', color: '#4a7fbf' }, { name: 'InSitu', color: '#e0a020' }, { name: 'Invasive', color: '#c0392b' }],
  },
  vote: { rule: 'plurality', ignore: [] },
};

const refuse = (json: unknown, field: string) => expect(() => validateManifest(json)).toThrow(new RegExp(`tessera\\.json: ${field.replace(/[[\].]/g, '\\$&')} `));

describe('validateManifest', () => {
  it('takes DESIGN.md\'s example as it is', () => {
    expect(validateManifest(DESIGN_EXAMPLE)).toEqual(DESIGN_EXAMPLE);
  });

  it('fills the defaults: task, weights, spacing, channels, scale, mean/std per channel, activation, colours, vote', () => {
    const m = validateManifest({ format: 'onnx', input: { size: [64, 32] }, output: { classes: ['tumour', 'stroma', 'fat'] } }, { name: 'folder-name' });
    expect(m).toEqual({
      name: 'folder-name',
      task: 'classification',
      format: 'onnx',
      weights: 'model.onnx',
      input: { size: [64, 32], spacingUmPx: null, channels: 'rgb', scale: 255, mean: [0, 0, 0], std: [1, 1, 1] },
      output: { activation: 'softmax', classes: [0, 1, 2].map((i) => ({ name: ['tumour', 'stroma', 'fat'][i], color: paletteColor(i) })) },
      vote: { rule: 'plurality', ignore: [] },
    });
  });

  it('gives mean and std one value per channel of the mode; he-macenko gets the default stain settings', () => {
    const cmyk = validateManifest({ format: 'onnx', input: { size: [8, 8], channels: 'cmyk' }, output: { classes: ['a', 'b'] } });
    expect(cmyk.input.mean).toEqual([0, 0, 0, 0]);
    const he = validateManifest({ format: 'onnx', input: { size: [8, 8], channels: 'he-macenko', scale: 1 }, output: { classes: ['a', 'b'] } });
    expect(he.input.std).toEqual([1, 1]);
    expect(he.input.stain).toEqual(DEFAULT_STAIN);
    expect(he.input.stain?.matrix).toEqual(REFERENCE_STAIN_MATRIX);
  });

  it('normalises a given stain matrix to unit vectors and short colours to #rrggbb', () => {
    const m = validateManifest({
      format: 'onnx',
      input: { size: [8, 8], channels: 'he-macenko', stain: { estimate: 'fixed', matrix: { h: [3, 4, 0], e: [0, 0, 2] } } },
      output: { classes: [{ name: 'a', color: '#ABC' }, 'b'] },
    });
    expect(m.input.stain?.matrix).toEqual({ h: [0.6, 0.8, 0], e: [0, 0, 1] });
    expect(m.output.classes[0].color).toBe('#aabbcc');
  });

  it('refuses bad values with a message naming the field', () => {
    const base = (over: Record<string, unknown>) => ({ ...DESIGN_EXAMPLE, ...over });
    refuse(base({ task: 'counting' }), 'task');
    refuse(base({ format: 'pytorch' }), 'format');
    refuse(base({ weights: '../model.json' }), 'weights');
    refuse(base({ input: { ...DESIGN_EXAMPLE.input, size: [128] } }), 'input.size');
    refuse(base({ input: { ...DESIGN_EXAMPLE.input, size: [128, 0] } }), 'input.size');
    refuse(base({ input: { ...DESIGN_EXAMPLE.input, spacingUmPx: -1 } }), 'input.spacingUmPx');
    refuse(base({ input: { ...DESIGN_EXAMPLE.input, channels: 'rgba' } }), 'input.channels');
    refuse(base({ input: { ...DESIGN_EXAMPLE.input, scale: 0 } }), 'input.scale');
    refuse(base({ input: { ...DESIGN_EXAMPLE.input, mean: [0, 0] } }), 'input.mean');
    refuse(base({ input: { ...DESIGN_EXAMPLE.input, std: [1, 0, 1] } }), 'input.std[1]');
    refuse(base({ input: { ...DESIGN_EXAMPLE.input, chanels: 'bgr' } }), 'input.chanels');
    refuse(base({ input: { ...DESIGN_EXAMPLE.input, stain: {} } }), 'input.stain');
    refuse(base({ output: { activation: 'relu', classes: ['a', 'b'] } }), 'output.activation');
    refuse(base({ output: { classes: [] } }), 'output.classes');
    refuse(base({ output: { classes: ['a', 'a'] } }), 'output.classes[1].name');
    refuse(base({ output: { classes: ['only'] } }), 'output.classes');
    refuse(base({ output: { classes: [{ name: 'a', color: 'red' }, 'b'] } }), 'output.classes[0].color');
    refuse(base({ vote: { rule: 'majority' } }), 'vote.rule');
    refuse(base({ vote: { rule: 'plurality', ignore: ['Background'] } }), 'vote.ignore[0]');
    refuse(base({ vote: { rule: 'any' } }), 'vote.rule');
    refuse(base({ positiveClass: 'Tumour' }), 'positiveClass');
    refuse({ ...DESIGN_EXAMPLE, output: undefined }, 'output.classes');
    refuse({ name: 'x', input: { size: [8, 8] }, output: { classes: ['a', 'b'] } }, 'format');
    expect(() => validateManifest([])).toThrow(/tessera\.json: the manifest must be a JSON object/);
  });

  it('takes a sigmoid model with one class, and positiveClass for the "any" vote', () => {
    const m = validateManifest({ ...DESIGN_EXAMPLE, output: { activation: 'sigmoid', classes: ['benign', 'tumour'] }, positiveClass: 'tumour', vote: { rule: 'any', ignore: [] } });
    expect(m.positiveClass).toBe('tumour');
    expect(validateManifest({ ...DESIGN_EXAMPLE, output: { activation: 'sigmoid', classes: ['nucleus'] } }).output.classes).toHaveLength(1);
  });
});

describe('WSInfer configs', () => {
  const wsinfer = {
    spec_version: '1.0',
    architecture: 'resnet34',
    num_classes: 2,
    class_names: ['notumor', 'tumor'],
    patch_size_pixels: 350,
    spacing_um_px: 0.25,
    transform: [
      { name: 'Resize', arguments: { size: 224 } },
      { name: 'ToTensor' },
      { name: 'Normalize', arguments: { mean: [0.7238, 0.5716, 0.6779], std: [0.112, 0.1459, 0.1089] } },
    ],
  };

  it('maps class_names, the Resize size, spacing (rescaled to the resized patch), ToTensor and Normalize', async () => {
    const files = filesFromMap({ 'config.json': JSON.stringify(wsinfer), 'resnet34.onnx': new Uint8Array(4) }, '/models/tumor-resnet34');
    const m = await readManifest(files);
    expect(m).toEqual({
      name: 'resnet34',
      task: 'classification',
      format: 'onnx',
      weights: 'resnet34.onnx',
      input: { size: [224, 224], spacingUmPx: (0.25 * 350) / 224, channels: 'rgb', scale: 255, mean: wsinfer.transform[2].arguments!.mean, std: wsinfer.transform[2].arguments!.std },
      output: { activation: 'softmax', classes: [{ name: 'notumor', color: paletteColor(0) }, { name: 'tumor', color: paletteColor(1) }] },
      vote: { rule: 'plurality', ignore: [] },
    });
  });

  it('refuses what WSInfer configs may not say: other transforms, a class count that disagrees, another spec version', async () => {
    const files = filesFromMap({ 'model.onnx': new Uint8Array(4) });
    await expect(fromWsinferConfig({ ...wsinfer, transform: [{ name: 'CenterCrop', arguments: { size: 200 } }] }, files)).rejects.toThrow(/config\.json: transform\[0\]\.name "CenterCrop" is not a transform Tessera supports/);
    await expect(fromWsinferConfig({ ...wsinfer, num_classes: 3 }, files)).rejects.toThrow(/config\.json: num_classes is 3 but class_names lists 2/);
    await expect(fromWsinferConfig({ ...wsinfer, spec_version: '2.0' }, files)).rejects.toThrow(/config\.json: spec_version/);
    await expect(fromWsinferConfig({ ...wsinfer, patch_size_pixels: '350' }, files)).rejects.toThrow(/config\.json: patch_size_pixels/);
  });

  it('works out the format from the files present', async () => {
    const layers = await tinyLayersModel({ size: [8, 8], channels: 3, classes: 2 });
    const graph = tinyGraphModel([8, 8], 2).files;
    expect(await detectModelFiles(filesFromMap(layers))).toEqual({ format: 'tfjs-layers', weights: 'model.json' });
    expect(await detectModelFiles(filesFromMap(graph))).toEqual({ format: 'tfjs-graph', weights: 'model.json' });
    // Old converters wrote no "format": the topology tells.
    const noFormat = (files: Record<string, Uint8Array>) => {
      const j = JSON.parse(new TextDecoder().decode(files['model.json']));
      delete j.format;
      return filesFromMap({ ...files, 'model.json': JSON.stringify(j) });
    };
    expect((await detectModelFiles(noFormat(layers)))?.format).toBe('tfjs-layers');
    expect((await detectModelFiles(noFormat(graph)))?.format).toBe('tfjs-graph');
    expect(await detectModelFiles(filesFromMap({ 'net.onnx': new Uint8Array(1) }))).toEqual({ format: 'onnx', weights: 'net.onnx' });
    await expect(detectModelFiles(filesFromMap({ 'a.onnx': new Uint8Array(1), 'b.onnx': new Uint8Array(1) }, 'the folder m'))).rejects.toThrow(/the folder m holds several ONNX files \(a\.onnx, b\.onnx\)/);
    await expect(fromWsinferConfig(wsinfer, filesFromMap({ 'weights.pt': new Uint8Array(1) }))).rejects.toThrow(/config\.json: format is missing and could not be worked out/);
  });

  it('prefers tessera.json to config.json, and says when there is neither', async () => {
    const both = filesFromMap({ 'tessera.json': tesseraJson({ name: 'mine' }), 'config.json': JSON.stringify(wsinfer), 'model.onnx': new Uint8Array(1) });
    expect((await readManifest(both)).name).toBe('mine');
    await expect(readManifest(filesFromMap({ 'model.json': '{}' }, 'the folder empty'))).rejects.toThrow(/the folder empty has no tessera\.json or WSInfer config\.json/);
    await expect(readManifest(filesFromMap({ 'tessera.json': '{"name": ' }))).rejects.toThrow(/tessera\.json in memory is not valid JSON/);
  });

  it.skipIf(!HAVE_FIXTURES)(`reads the ICIAR 2018 fixture's config.json as it is${HAVE_FIXTURES ? '' : ` (${SKIP_REASON})`}`, async () => {
    const dir = fixture('models', 'iciar18-breast-tfjs');
    const files = filesFromMap({
      'config.json': readFileSync(`${dir}/config.json`),
      'model.json': readFileSync(`${dir}/model.json`),
    }, dir);
    const m = await readManifest(files);
    expect(m.format).toBe('tfjs-layers');
    expect(m.weights).toBe('model.json');
    expect(m.input).toEqual({ size: [128, 128], spacingUmPx: 0.42, channels: 'rgb', scale: 255, mean: [0, 0, 0], std: [1, 1, 1] });
    expect(m.output.activation).toBe('softmax');
    expect(m.output.classes.map((c) => c.name)).toEqual(['Normal', 'Benign', 'InSitu', 'Invasive']);
  });
});
