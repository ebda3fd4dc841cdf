/**
 * The model graph (a GraphDef) drawn as a diagram: a layered layout, top to bottom. A node's
 * layer is one more than the deepest of its inputs (longest path from the inputs); within a
 * layer nodes are ordered by the mean position of their inputs (one barycentre pass), which keeps
 * chains straight and branches side by side. Boxes show the node name, its op (the Keras class)
 * and its output shape; edges are curves from an input's bottom to the consumer's top.
 * Every box is `<g class="node" data-name data-op data-inputs>` for tests and scripts.
 */
import type { GraphDef, NodeDef, AttrValue } from '../summary/read.ts';
import { esc } from './svg.ts';

const dec = new TextDecoder();

function shapeText(a: AttrValue | undefined): string {
  const shapes = a?.list?.shape ?? [];
  return shapes.map((s) => `(${(s.dim ?? []).map((d) => (Number(d.size) < 0 ? 'None' : String(d.size))).join(', ')})`).join(' ');
}

/** `node:k` and `^node` inputs name `node`. */
function inputNode(s: string): string {
  return s.replace(/^\^/, '').replace(/:\d+$/, '');
}

export interface GraphLayout {
  width: number;
  height: number;
  boxes: { node: NodeDef; x: number; y: number; w: number; h: number; shape: string; params: number | null }[];
}

const BOX_H = 50;
const ROW_GAP = 34;
const COL_GAP = 24;

export function layoutGraph(g: GraphDef): GraphLayout {
  const nodes = g.node ?? [];
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (n: NodeDef): number => {
    const known = depth.get(n.name);
    if (known !== undefined) return known;
    if (visiting.has(n.name)) return 0; // a cycle (not in a Keras graph): cut it
    visiting.add(n.name);
    let d = 0;
    for (const i of n.input ?? []) {
      const p = byName.get(inputNode(i));
      if (p) d = Math.max(d, depthOf(p) + 1);
    }
    visiting.delete(n.name);
    depth.set(n.name, d);
    return d;
  };
  const rows: NodeDef[][] = [];
  for (const n of nodes) (rows[depthOf(n)] ??= []).push(n);
  const size = (n: NodeDef) => {
    const shape = shapeText(n.attr?.['_output_shapes']);
    const chars = Math.max(n.name.length, n.op.length + 2, shape.length);
    return { w: Math.max(110, chars * 7.2 + 20), shape };
  };
  const xCenter = new Map<string, number>();
  const boxes: GraphLayout['boxes'] = [];
  let width = 0;
  const placed: { n: NodeDef; w: number; shape: string }[][] = [];
  for (const row of rows) {
    if (!row) continue;
    const withKey = row.map((n, i) => {
      const xs = (n.input ?? []).map((s) => xCenter.get(inputNode(s))).filter((x): x is number => x !== undefined);
      return { n, key: xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : i * 1000, i };
    });
    withKey.sort((a, b) => a.key - b.key || a.i - b.i);
    const sized = withKey.map(({ n }) => ({ n, ...size(n) }));
    let x = 0;
    for (const s of sized) {
      xCenter.set(s.n.name, x + s.w / 2);
      x += s.w + COL_GAP;
    }
    width = Math.max(width, x - COL_GAP);
    placed.push(sized);
  }
  // Centre each row in the widest one, then recompute centres for the edges.
  placed.forEach((row, r) => {
    const rowW = row.reduce((a, s) => a + s.w, 0) + COL_GAP * (row.length - 1);
    let x = 10 + (width - rowW) / 2;
    for (const s of row) {
      const p = s.n.attr?.['params'];
      boxes.push({ node: s.n, x, y: 10 + r * (BOX_H + ROW_GAP), w: s.w, h: BOX_H, shape: s.shape, params: p?.i !== undefined ? Number(p.i) : null });
      x += s.w + COL_GAP;
    }
  });
  return { width: width + 20, height: 20 + placed.length * (BOX_H + ROW_GAP) - ROW_GAP, boxes };
}

/** The diagram as SVG. */
export function graphSvg(g: GraphDef): string {
  const L = layoutGraph(g);
  const at = new Map(L.boxes.map((b) => [b.node.name, b]));
  const o: string[] = [];
  const [w, h] = [Math.ceil(L.width), Math.ceil(L.height)];
  o.push(`<svg class="graph" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="model graph">`);
  o.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#667"/></marker></defs>');
  for (const b of L.boxes) {
    for (const i of b.node.input ?? []) {
      const p = at.get(inputNode(i));
      if (!p) continue;
      const x1 = p.x + p.w / 2;
      const y1 = p.y + p.h;
      const x2 = b.x + b.w / 2;
      const y2 = b.y;
      const my = (y1 + y2) / 2;
      o.push(`<path class="edge" data-from="${esc(p.node.name)}" data-to="${esc(b.node.name)}" ` +
        `d="M${x1.toFixed(1)},${y1} C${x1.toFixed(1)},${my} ${x2.toFixed(1)},${my} ${x2.toFixed(1)},${y2 - 1}" marker-end="url(#arrow)"/>`);
    }
  }
  for (const b of L.boxes) {
    const n = b.node;
    const cfg = n.attr?.['keras_config']?.s;
    const tip = [`${n.name} (${n.op})`, b.shape && `output ${b.shape}`, b.params !== null && `${b.params} params`, cfg && dec.decode(cfg)].filter(Boolean).join('\n');
    o.push(`<g class="node${n.op === 'InputLayer' ? ' input' : ''}" data-name="${esc(n.name)}" data-op="${esc(n.op)}" data-inputs="${esc((n.input ?? []).join(','))}">`);
    o.push(`<title>${esc(tip)}</title><rect x="${b.x.toFixed(1)}" y="${b.y}" width="${b.w.toFixed(1)}" height="${b.h}" rx="6"/>`);
    const cx = (b.x + b.w / 2).toFixed(1);
    o.push(`<text class="name" x="${cx}" y="${b.y + 16}" text-anchor="middle">${esc(n.name)}</text>`);
    o.push(`<text class="op" x="${cx}" y="${b.y + 30}" text-anchor="middle">${esc(n.op)}${b.params ? ` · ${b.params.toLocaleString('en-US')}` : ''}</text>`);
    if (b.shape) o.push(`<text class="shape" x="${cx}" y="${b.y + 43}" text-anchor="middle">${esc(b.shape)}</text>`);
    o.push('</g>');
  }
  o.push('</svg>');
  return o.join('');
}
