import { describe, expect, it } from 'vitest';
import { AnnotationStore, measureShape, shapeContains, shapeVertices, type Annotation, type PolygonRings, type Shape } from '../../../src/annotations';
import { BRUSH_RADIUS_PX, ToolController, type KeyInput, type PointerInput, type ToolHost } from '../../../src/viewer/annotations/tools/controller';
import type { AnnotationHit, AnnotationTool, Draft } from '../../../src/viewer/annotations/types';

/**
 * The tools' state machine driven as the view drives it, on a view where one CSS px is SCALE level-0 px:
 * what each gesture and key puts in the store, as undoable edits, and the drafts shown meanwhile.
 */
const SCALE = 2;
const MPP = { x: 0.5, y: 0.5 };

interface Rig {
  store: AnnotationStore;
  tools: ToolController;
  drafts: (Draft | null)[];
  toolChanges: (AnnotationTool | null)[];
  pans: [number, number][];
  panEnds: number;
  /** Level-0 point → pointer event. */
  at(x: number, y: number, mods?: { shift?: boolean; alt?: boolean }): PointerInput;
  drag(from: [number, number], to: [number, number], mods?: { shift?: boolean; alt?: boolean }, steps?: number): void;
  click(x: number, y: number, mods?: { shift?: boolean; alt?: boolean }): void;
  key(key: string, mods?: Partial<Omit<KeyInput, 'key'>>): boolean;
}

function rig(annotations: Annotation[] = [], newClass: string | null = 'Tumor'): Rig {
  const store = new AnnotationStore(annotations);
  const drafts: (Draft | null)[] = [];
  const toolChanges: (AnnotationTool | null)[] = [];
  const pans: [number, number][] = [];
  let panEnds = 0;
  const hitTest = (sx: number, sy: number, tol = 4): AnnotationHit | null => {
    const x = sx * SCALE;
    const y = sy * SCALE;
    const list = store.annotations;
    for (let i = list.length - 1; i >= 0; i--) {
      const a = list[i];
      if (store.selection.has(a.id)) {
        const v = shapeVertices(a.shape).findIndex(([vx, vy]) => Math.hypot(vx - x, vy - y) <= tol * SCALE);
        if (v >= 0) return { id: a.id, vertex: v };
      }
      if (shapeContains(a.shape, x, y) || nearPath(shapeVertices(a.shape), x, y, tol * SCALE)) return { id: a.id, vertex: null };
    }
    return null;
  };
  const host: ToolHost = {
    store,
    pixelSize: MPP,
    newClass: () => newClass,
    level0PerPx: () => SCALE,
    hitTest,
    showDraft: (d, drawing) => {
      if (drawing || d === null) drafts.push(drawing ? d : null);
    },
    panBy: (dx, dy) => void pans.push([dx, dy]),
    panEnd: () => void panEnds++,
    toolChanged: (t) => void toolChanges.push(t),
  };
  const tools = new ToolController(host);
  const at = (x: number, y: number, mods: { shift?: boolean; alt?: boolean } = {}): PointerInput => ({ x, y, sx: x / SCALE, sy: y / SCALE, shift: !!mods.shift, alt: !!mods.alt });
  const r: Rig = {
    store,
    tools,
    drafts,
    toolChanges,
    pans,
    get panEnds() {
      return panEnds;
    },
    at,
    drag(from, to, mods, steps = 5) {
      tools.press(at(from[0], from[1], mods));
      for (let i = 1; i <= steps; i++) tools.drag(at(from[0] + ((to[0] - from[0]) * i) / steps, from[1] + ((to[1] - from[1]) * i) / steps, mods));
      tools.release(at(to[0], to[1], mods));
    },
    click(x, y, mods) {
      tools.press(at(x, y, mods));
      tools.release(at(x, y, mods));
    },
    key(key, mods = {}) {
      return tools.key({ key, ctrl: false, meta: false, alt: false, shift: false, ...mods });
    },
  };
  return r;
}

/** Whether (x, y) is within `tol` of the path through `points` (a lone point: of it). */
function nearPath(points: [number, number][], x: number, y: number, tol: number): boolean {
  if (points.length === 1) return Math.hypot(points[0][0] - x, points[0][1] - y) <= tol;
  for (let i = 1; i < points.length; i++) {
    const [ax, ay] = points[i - 1];
    const [bx, by] = points[i];
    const len2 = (bx - ax) ** 2 + (by - ay) ** 2;
    const t = len2 ? Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / len2)) : 0;
    if (Math.hypot(ax + t * (bx - ax) - x, ay + t * (by - ay) - y) <= tol) return true;
  }
  return false;
}

const only = (store: AnnotationStore): Annotation => {
  expect(store.size).toBe(1);
  return store.annotations[0];
};
const area = (shape: Shape) => measureShape(shape, null).area!;

describe('annotation tools', () => {
  it('keys choose tools (QuPath\'s), not with Ctrl/Alt; Escape and M leave drawing', () => {
    const r = rig();
    expect(r.key('r')).toBe(true);
    expect(r.tools.tool()).toBe('rectangle');
    for (const [k, t] of [['o', 'ellipse'], ['L', 'line'], ['p', 'polygon'], ['v', 'polyline'], ['b', 'brush'], ['.', 'points'], ['m', 'move']] as const) {
      r.key(k);
      expect(r.tools.tool()).toBe(t);
    }
    expect(r.key('r', { ctrl: true })).toBe(false);
    expect(r.key('o', { alt: true })).toBe(false);
    expect(r.tools.tool()).toBe('move');
    expect(r.key('x')).toBe(false);
    expect(r.key('Escape')).toBe(true);
    expect(r.tools.tool()).toBeNull();
    expect(r.key('Escape'), 'nothing left to leave').toBe(false);
    expect(r.toolChanges).toEqual(['rectangle', 'ellipse', 'line', 'polygon', 'polyline', 'brush', 'points', 'move', null]);
  });

  it('rectangle: a drag is one edit of the class given, selected; its draft measures it live; a click draws nothing', () => {
    const r = rig();
    r.key('r');
    r.drag([100, 200], [500, 400]);
    const a = only(r.store);
    expect(a.shape).toEqual({ type: 'rectangle', x: 100, y: 200, width: 400, height: 200 });
    expect(a.className).toBe('Tumor');
    expect([...r.store.selection]).toEqual([a.id]);
    const drafts = r.drafts.filter((d): d is Draft => d !== null);
    expect(drafts.length).toBeGreaterThanOrEqual(5);
    expect(drafts.at(-1)!.measurements.area).toBeCloseTo(400 * 200 * 0.25, 6);
    expect(r.drafts.at(-1), 'the draft ends when the shape is in the store').toBeNull();
    r.click(1000, 1000);
    expect(r.store.size).toBe(1);
    expect(r.store.undo()).toBe(true);
    expect(r.store.size).toBe(0);
    expect(r.store.canUndo).toBe(false);
  });

  it('Shift makes a square / circle; an ellipse dragged up-left keeps its box positive', () => {
    const r = rig();
    r.key('o');
    r.drag([500, 500], [300, 460], { shift: true });
    expect(only(r.store).shape).toEqual({ type: 'ellipse', x: 300, y: 300, width: 200, height: 200 });
  });

  it('line: the ruler\'s length in µm', () => {
    const r = rig();
    r.key('l');
    r.drag([0, 0], [300, 400]);
    const a = only(r.store);
    expect(a.shape).toEqual({ type: 'line', points: [[0, 0], [300, 400]] });
    expect(measureShape(a.shape, MPP).length).toBeCloseTo(250, 9);
  });

  it('polygon: clicks add vertices, a double-click closes (its second press adds none), Backspace takes the last back; Enter closes', () => {
    const r = rig();
    r.key('p');
    r.click(0, 0);
    r.click(400, 0);
    r.click(999, 999);
    expect(r.key('Backspace')).toBe(true);
    r.tools.move(r.at(400, 300));
    expect(r.drafts.at(-1)!.shape, 'the rubber band follows the pointer').toEqual({ type: 'polygon', polygons: [[[[0, 0], [400, 0], [400, 300]]]] });
    r.click(400, 300);
    r.click(400, 300);
    r.tools.doubleClick(r.at(400, 300));
    expect(only(r.store).shape).toEqual({ type: 'polygon', polygons: [[[[0, 0], [400, 0], [400, 300]]]] });
    expect(r.store.undoLabel).toBe('Add polygon');
    r.click(1000, 1000);
    r.click(1200, 1000);
    expect(r.key('Enter'), 'two vertices: Enter is taken, nothing closes').toBe(true);
    expect(r.store.size).toBe(1);
    r.click(1200, 1200);
    r.key('Enter');
    expect(r.store.size).toBe(2);
  });

  it('polygon: a press-drag adds vertices along the way; Escape cancels the draft, then leaves the tool', () => {
    const r = rig();
    r.key('p');
    r.drag([0, 0], [200, 0], {}, 10);
    r.drag([200, 0], [200, 200], {}, 10);
    const draft = r.drafts.at(-1)!;
    expect((draft.shape as { polygons: PolygonRings[] }).polygons[0][0].length).toBeGreaterThan(8);
    expect(r.key('Escape')).toBe(true);
    expect(r.drafts.at(-1)).toBeNull();
    expect(r.store.size).toBe(0);
    expect(r.tools.tool()).toBe('polygon');
    r.key('Escape');
    expect(r.tools.tool()).toBeNull();
  });

  it('polyline: open, with its length', () => {
    const r = rig();
    r.key('v');
    r.click(0, 0);
    r.click(0, 100);
    r.click(100, 100);
    r.key('Enter');
    const a = only(r.store);
    expect(a.shape).toEqual({ type: 'polyline', points: [[0, 0], [0, 100], [100, 100]] });
    expect(measureShape(a.shape, MPP).length).toBeCloseTo(100, 9);
  });

  it('points: a click starts a points annotation, the next clicks add to the selected one; one edit each', () => {
    const r = rig();
    r.key('.');
    r.click(10, 10);
    r.click(20, 30);
    r.click(40, 50);
    const a = only(r.store);
    expect(a.shape).toEqual({ type: 'points', points: [[10, 10], [20, 30], [40, 50]] });
    r.store.undo();
    expect((only(r.store).shape as { points: unknown[] }).points).toHaveLength(2);
    r.store.select([]);
    r.click(99, 99);
    expect(r.store.size).toBe(2);
  });

  it('brush: a stroke alone is a new polygon; painting a selected rectangle adds to it (a polygon now); Alt erases; erasing all deletes it', () => {
    const r = rig();
    r.key('b');
    const radius = BRUSH_RADIUS_PX * SCALE;
    r.drag([1000, 1000], [1200, 1000], {}, 20);
    const stroke = only(r.store);
    expect(stroke.shape.type).toBe('polygon');
    // A capsule: 200 px long, 2 radii wide, round ends.
    expect(area(stroke.shape) / (200 * 2 * radius + Math.PI * radius * radius)).toBeCloseTo(1, 2);
    r.store.load([{ id: 'r', name: '', className: 'Stroma', locked: false, shape: { type: 'rectangle', x: 0, y: 0, width: 400, height: 400 } }]);
    r.store.select(['r']);
    r.drag([400, 200], [600, 200], {}, 20);
    const grown = only(r.store);
    expect(grown.shape.type).toBe('polygon');
    expect(grown.className).toBe('Stroma');
    expect(area(grown.shape)).toBeGreaterThan(400 * 400 + 190 * 2 * radius);
    r.drag([200, -100], [200, 500], { alt: true }, 30);
    const cut = only(r.store);
    expect((cut.shape as { polygons: PolygonRings[] }).polygons.length, 'cut in two').toBe(2);
    expect(area(cut.shape)).toBeLessThan(area(grown.shape) - 400 * 2 * radius * 0.95);
    expect(r.store.undoLabel).toBe('Erase');
    r.store.undo();
    expect(area(only(r.store).shape)).toBeCloseTo(area(grown.shape), 6);
    // Erase everything: a wide zigzag over the whole shape with a huge... brush is fixed on screen, so many passes.
    for (let y = -40; y <= 440; y += radius) r.drag([-40, y], [660, y], { alt: true }, 40);
    expect(r.store.size, 'nothing left: the annotation goes').toBe(0);
  });

  it('brush with Alt and nothing selected does nothing; a locked selected shape is not painted', () => {
    const r = rig([{ id: 'k', name: '', className: null, locked: true, shape: { type: 'rectangle', x: 0, y: 0, width: 100, height: 100 } }]);
    r.key('b');
    r.drag([50, 50], [150, 50], { alt: true });
    expect(r.store.canUndo).toBe(false);
    r.store.select(['k']);
    r.drag([50, 50], [150, 50], { alt: true });
    expect(r.store.get('k')!.shape.type).toBe('rectangle');
  });

  it('move: click selects, Shift+click adds; a drag of a selected shape moves it (one edit); a vertex handle reshapes; a drag on empty slide pans', () => {
    const rect: Annotation = { id: 'a', name: '', className: null, locked: false, shape: { type: 'rectangle', x: 0, y: 0, width: 100, height: 100 } };
    const line: Annotation = { id: 'b', name: '', className: null, locked: false, shape: { type: 'line', points: [[300, 300], [500, 300]] } };
    const r = rig([rect, line]);
    r.key('m');
    r.click(50, 50);
    expect([...r.store.selection]).toEqual(['a']);
    r.click(400, 301, { shift: true });
    expect([...r.store.selection].sort()).toEqual(['a', 'b']);
    r.click(400, 301, { shift: true });
    expect([...r.store.selection]).toEqual(['a']);
    r.drag([50, 50], [80, 90], {}, 10);
    expect(r.store.get('a')!.shape).toEqual({ type: 'rectangle', x: 30, y: 40, width: 100, height: 100 });
    expect(r.store.undoLabel).toBe('Move');
    r.store.undo();
    expect(r.store.get('a')!.shape).toEqual(rect.shape);
    expect(r.store.canUndo, 'the ten drag steps were one edit').toBe(false);
    r.store.redo();
    // The bottom-right corner (vertex 2) of the moved box, dragged out.
    r.drag([130, 140], [200, 240], {}, 6);
    expect(r.store.get('a')!.shape).toEqual({ type: 'rectangle', x: 30, y: 40, width: 170, height: 200 });
    r.store.undo();
    expect(r.store.get('a')!.shape).toEqual({ type: 'rectangle', x: 30, y: 40, width: 100, height: 100 });
    // Empty slide: pans by the pointer's CSS-px movement, nothing edited.
    const version = r.store.version;
    r.drag([1000, 1000], [1100, 1040], {}, 4);
    const total = r.pans.reduce((s, [dx, dy]) => [s[0] + dx, s[1] + dy], [0, 0]);
    expect(total).toEqual([50, 20]);
    expect(r.panEnds).toBe(1);
    expect(r.store.version).toBe(version);
    // An unselected shape is not dragged (the drag pans), and a click on empty slide deselects.
    r.drag([400, 300], [450, 300]);
    expect(r.store.get('b')!.shape).toEqual(line.shape);
    r.click(2000, 2000);
    expect(r.store.selection.size).toBe(0);
  });

  it('locked shapes do not move or go on Delete; Delete/Backspace remove the rest; Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y', () => {
    const locked: Annotation = { id: 'l', name: '', className: null, locked: true, shape: { type: 'rectangle', x: 0, y: 0, width: 100, height: 100 } };
    const free: Annotation = { id: 'f', name: '', className: null, locked: false, shape: { type: 'points', points: [[500, 500]] } };
    const r = rig([locked, free]);
    r.key('m');
    r.click(50, 50);
    r.drag([50, 50], [90, 90]);
    expect(r.store.get('l')!.shape).toEqual(locked.shape);
    r.click(500, 500, { shift: true });
    expect(r.key('Delete')).toBe(true);
    expect(r.store.annotations.map((a) => a.id)).toEqual(['l']);
    expect(r.key('z', { ctrl: true })).toBe(true);
    expect(r.store.size).toBe(2);
    expect(r.key('Z', { ctrl: true, shift: true })).toBe(true);
    expect(r.store.size).toBe(1);
    r.key('z', { meta: true });
    expect(r.store.size).toBe(2);
    r.key('y', { ctrl: true });
    expect(r.store.size).toBe(1);
    r.store.undo();
    r.store.select(['f']);
    expect(r.key('Backspace')).toBe(true);
    expect(r.store.size).toBe(1);
    expect(r.key('Delete'), 'nothing selected').toBe(false);
  });

  it('Escape with nothing drawn deselects and returns to panning; changing tool drops a draft', () => {
    const r = rig([{ id: 'a', name: '', className: null, locked: false, shape: { type: 'rectangle', x: 0, y: 0, width: 100, height: 100 } }]);
    r.store.select(['a']);
    r.key('p');
    r.click(0, 0);
    r.click(50, 0);
    r.key('v');
    expect(r.drafts.at(-1)).toBeNull();
    expect(r.tools.hasDraft()).toBe(false);
    r.key('Escape');
    expect(r.store.selection.size).toBe(0);
    expect(r.tools.tool()).toBeNull();
    // With no tool, presses do nothing (OpenSeadragon pans) but a click can select.
    r.drag([10, 10], [90, 90]);
    expect(r.store.get('a')!.shape).toEqual({ type: 'rectangle', x: 0, y: 0, width: 100, height: 100 });
    r.tools.clickSelect(r.at(10, 10));
    expect([...r.store.selection]).toEqual(['a']);
  });
});
