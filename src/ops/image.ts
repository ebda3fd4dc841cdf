/**
 * `tf.image` as TF.js: resizeBilinear, resizeNearestNeighbor (alignCorners / halfPixelCenters),
 * flipLeftRight, cropAndResize, rgbToGrayscale, nonMaxSuppression (sync and async).
 *
 * All but non-max suppression are compositions of gathers and elementwise ops (so every backend
 * runs them and autodiff differentiates them through the gathers): the source rows and columns
 * each output pixel reads, and its interpolation weights, are TF.js's (the resizes compute them
 * on the host from the shapes; cropAndResize from the boxes, as tensors). Interpolation is
 * TF.js's `top = tl + (tr − tl)·xLerp; bottom = …; out = top + (bottom − top)·yLerp` in float32
 * (TF.js's CPU kernel rounds its float64 result once: within an ulp or two).
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { add } from './add.ts';
import { cast } from './cast.ts';
import { greaterEqual, lessEqual, less } from './compare.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { scalar, tensor } from './creation.ts';
import { clipByValue } from './clip_by_value.ts';
import { div } from './div.ts';
import { floor } from './floor.ts';
import { ceil } from './ceil.ts';
import { gather } from './gather.ts';
import { logicalAnd } from './logical.ts';
import { mul } from './mul.ts';
import { op } from './op.ts';
import { range } from './range.ts';
import { reshape } from './reshape.ts';
import { reverse } from './reverse.ts';
import { slice } from './slice.ts';
import { sub } from './sub.ts';
import { sum } from './sum.ts';
import { where } from './where.ts';
import { zeros } from './creation.ts';

type Size2 = [number, number];

function checkSize(name: string, arg: string, size: unknown, min: number): Size2 {
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d >= min)) {
    fail(name, `\`${arg}\` must be [height, width], two integers >= ${min}, received ${JSON.stringify(size)}`);
  }
  return size as Size2;
}

/** images as a float or int batch [b, h, w, c] (rank 3 gets a batch of one), and whether it was rank 3. */
function batchOf(name: string, images: TensorLike, ints: boolean): [Tensor, boolean] {
  const t = convertToTensor(images, 'images', name);
  if (t.rank !== 3 && t.rank !== 4) fail(name, `\`images\` must have rank 3 or 4, received rank ${t.rank} (shape ${fmtShape(t.shape)})`);
  if (t.dtype === 'bool' || (!ints && t.dtype !== 'float32' && t.dtype !== 'int32')) fail(name, `\`images\` must be float32 or int32, received ${t.dtype}`);
  return [t.rank === 3 ? reshape(t, [1, ...t.shape]) : t, t.rank === 3];
}

function checkModes(name: string, alignCorners: boolean, halfPixelCenters: boolean): void {
  if (typeof alignCorners !== 'boolean' || typeof halfPixelCenters !== 'boolean') fail(name, '`alignCorners` and `halfPixelCenters` must be booleans');
  if (alignCorners && halfPixelCenters) fail(name, '`alignCorners` and `halfPixelCenters` cannot both be true');
}

/** The source coordinate ratio of one axis (TF.js's effective sizes). */
function ratio(oldSize: number, newSize: number, alignCorners: boolean): number {
  return alignCorners && newSize > 1 ? (oldSize - 1) / (newSize - 1) : oldSize / newSize;
}

const ints = (v: number[]): Tensor => tensor(Int32Array.from(v), [v.length], 'int32');

/** Per output index of one axis: the two source indices and the weight of the second. */
function bilinearAxis(oldSize: number, newSize: number, alignCorners: boolean, half: boolean): [Tensor, Tensor, number[]] {
  const r = ratio(oldSize, newSize, alignCorners);
  const lo: number[] = [];
  const hi: number[] = [];
  const frac: number[] = [];
  for (let i = 0; i < newSize; i++) {
    const src = half ? r * (i + 0.5) - 0.5 : r * i;
    const f = Math.max(0, Math.floor(src));
    lo.push(f);
    hi.push(Math.min(oldSize - 1, Math.ceil(src)));
    frac.push(src - f);
  }
  return [ints(lo), ints(hi), frac];
}

function restore(y: Tensor, wasRank3: boolean): Tensor {
  return wasRank3 ? reshape(y, y.shape.slice(1)) : y;
}

export const resizeBilinear = op('resizeBilinear', (images: TensorLike, size: Size2, alignCorners = false, halfPixelCenters = false): Tensor => {
  const [x0, r3] = batchOf('resizeBilinear', images, false);
  const [nh, nw] = checkSize('resizeBilinear', 'size', size, 0);
  checkModes('resizeBilinear', alignCorners, halfPixelCenters);
  const [b, h, w, c] = x0.shape as [number, number, number, number];
  const x = x0.dtype === 'float32' ? x0 : cast(x0, 'float32');
  if (b * h * w * c === 0 || nh * nw === 0) return restore(zeros([b, nh, nw, c]), r3);
  const [top, bottom, fy] = bilinearAxis(h, nh, alignCorners, halfPixelCenters);
  const [left, right, fx] = bilinearAxis(w, nw, alignCorners, halfPixelCenters);
  const xLerp = tensor(fx, [1, 1, nw, 1]);
  const yLerp = tensor(fy, [1, nh, 1, 1]);
  const lerpX = (rows: Tensor): Tensor => {
    const l = gather(rows, left, 2);
    return add(l, mul(sub(gather(rows, right, 2), l), xLerp));
  };
  const t = lerpX(gather(x, top, 1));
  return restore(add(t, mul(sub(lerpX(gather(x, bottom, 1)), t), yLerp)), r3);
});

/** Per output index of one axis: the nearest source index (TF.js's rule). */
function nearestAxis(oldSize: number, newSize: number, alignCorners: boolean, half: boolean): Tensor {
  const r = ratio(oldSize, newSize, alignCorners);
  const idx: number[] = [];
  for (let i = 0; i < newSize; i++) {
    const src = half ? r * (i + 0.5) : r * i;
    const n = Math.min(oldSize - 1, alignCorners ? Math.round(src) : Math.floor(src));
    idx.push(half ? Math.max(0, n) : n);
  }
  return ints(idx);
}

export const resizeNearestNeighbor = op('resizeNearestNeighbor', (images: TensorLike, size: Size2, alignCorners = false, halfPixelCenters = false): Tensor => {
  const [x, r3] = batchOf('resizeNearestNeighbor', images, false);
  const [nh, nw] = checkSize('resizeNearestNeighbor', 'size', size, 0);
  checkModes('resizeNearestNeighbor', alignCorners, halfPixelCenters);
  const [b, h, w, c] = x.shape as [number, number, number, number];
  if (b * h * w * c === 0 || nh * nw === 0) return restore(zeros([b, nh, nw, c], x.dtype), r3);
  const rows = gather(x, nearestAxis(h, nh, alignCorners, halfPixelCenters), 1);
  return restore(gather(rows, nearestAxis(w, nw, alignCorners, halfPixelCenters), 2), r3);
});

export const flipLeftRight = op('flipLeftRight', (image: TensorLike): Tensor => {
  const x = convertToTensor(image, 'image', 'flipLeftRight');
  if (x.rank !== 4) fail('flipLeftRight', `\`image\` must have rank 4 [batch, height, width, channels], received rank ${x.rank} (shape ${fmtShape(x.shape)})`);
  return reverse(x, 2);
});

export const rgbToGrayscale = op('rgbToGrayscale', (image: TensorLike): Tensor => {
  const x = convertToTensor(image, 'image', 'rgbToGrayscale');
  if (x.rank < 2 || x.shape[x.rank - 1] !== 3) {
    fail('rgbToGrayscale', `\`image\` must have rank >= 2 and a last dimension of 3 (RGB), received shape ${fmtShape(x.shape)}`);
  }
  if (x.dtype === 'bool') fail('rgbToGrayscale', '`image` must be float32 or int32, received bool');
  const f = x.dtype === 'float32' ? x : cast(x, 'float32');
  const g = sum(mul(f, tensor([0.2989, 0.587, 0.114])), -1, true);
  return x.dtype === 'float32' ? g : cast(g, x.dtype);
});

export const cropAndResize = op('cropAndResize', (image: TensorLike, boxes: TensorLike, boxInd: TensorLike, cropSize: Size2,
  method: 'bilinear' | 'nearest' = 'bilinear', extrapolationValue = 0): Tensor => {
  const name = 'cropAndResize';
  const img0 = convertToTensor(image, 'image', name);
  const bx = convertToTensor(boxes, 'boxes', name);
  const bi = convertToTensor(boxInd, 'boxInd', name, 'int32');
  if (img0.rank !== 4) fail(name, `\`image\` must have rank 4 [batch, height, width, channels], received shape ${fmtShape(img0.shape)}`);
  if (img0.dtype === 'bool') fail(name, '`image` must be float32 or int32, received bool');
  if (bx.rank !== 2 || bx.shape[1] !== 4 || bx.dtype !== 'float32') fail(name, `\`boxes\` must be float32 of shape [numBoxes, 4], received ${bx.dtype} ${fmtShape(bx.shape)}`);
  const n = bx.shape[0]!;
  if (bi.rank !== 1 || bi.shape[0] !== n || bi.dtype !== 'int32') fail(name, `\`boxInd\` must be int32 of shape [${n}], received ${bi.dtype} ${fmtShape(bi.shape)}`);
  const [ch, cw] = checkSize(name, 'cropSize', cropSize, 1);
  if (method !== 'bilinear' && method !== 'nearest') fail(name, `\`method\` must be 'bilinear' or 'nearest', received ${JSON.stringify(method)}`);
  if (typeof extrapolationValue !== 'number') fail(name, `\`extrapolationValue\` must be a number, received ${typeof extrapolationValue}`);
  const [b, h, w, c] = img0.shape as [number, number, number, number];
  if (n === 0 || b * h * w * c === 0) return zeros([n, ch, cw, c]);
  const img = reshape(img0.dtype === 'float32' ? img0 : cast(img0, 'float32'), [b * h * w, c]);
  const col = (k: number): Tensor => slice(bx, [0, k], [n, 1]);
  /** Source coordinates [n, size] of one axis from box edges lo, hi (TF.js's formula). */
  const coords = (lo: Tensor, hi: Tensor, src: number, size: number): Tensor => {
    if (size === 1) return mul(add(lo, hi), 0.5 * (src - 1));
    const scale = div(mul(sub(hi, lo), src - 1), size - 1);
    return add(mul(lo, src - 1), mul(reshape(range(0, size), [1, size]), scale));
  };
  const yIn = coords(col(0), col(2), h, ch);
  const xIn = coords(col(1), col(3), w, cw);
  const inside = (v: Tensor, src: number): Tensor => logicalAnd(greaterEqual(v, 0), lessEqual(v, src - 1));
  const idx = (v: Tensor, src: number): Tensor => cast(clipByValue(v, 0, src - 1), 'int32');
  const okBox = logicalAnd(greaterEqual(bi, 0), less(bi, b));
  const base = reshape(mul(cast(clipByValue(bi, 0, b - 1), 'int32'), h * w), [n, 1, 1]);
  const at = (yi: Tensor, xi: Tensor): Tensor =>
    gather(img, add(add(base, reshape(mul(yi, w), [n, ch, 1])), reshape(xi, [n, 1, cw])), 0);
  let out: Tensor;
  if (method === 'nearest') {
    out = at(idx(floor(add(yIn, 0.5)), h), idx(floor(add(xIn, 0.5)), w));
  } else {
    const y0 = floor(yIn);
    const x0 = floor(xIn);
    const yLerp = reshape(sub(yIn, y0), [n, ch, 1, 1]);
    const xLerp = reshape(sub(xIn, x0), [n, 1, cw, 1]);
    const [t, bt, l, r] = [idx(y0, h), idx(ceil(yIn), h), idx(x0, w), idx(ceil(xIn), w)];
    const lerpX = (yi: Tensor): Tensor => {
      const left = at(yi, l);
      return add(left, mul(sub(at(yi, r), left), xLerp));
    };
    const top = lerpX(t);
    out = add(top, mul(sub(lerpX(bt), top), yLerp));
  }
  const ok = logicalAnd(reshape(inside(yIn, h), [n, ch, 1, 1]), reshape(inside(xIn, w), [n, 1, cw, 1]));
  out = where(ok, out, scalar(extrapolationValue));
  // A box whose batch index is out of range stays zero (TF.js).
  return where(reshape(okBox, [n, 1, 1, 1]), out, scalar(0));
});

function nmsArgs(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold: number, scoreThreshold: number): [Tensor, Tensor] {
  const name = 'nonMaxSuppression';
  const bx = convertToTensor(boxes, 'boxes', name);
  const sc = convertToTensor(scores, 'scores', name);
  if (bx.rank !== 2 || bx.shape[1] !== 4) fail(name, `\`boxes\` must have shape [numBoxes, 4], received ${fmtShape(bx.shape)}`);
  if (sc.rank !== 1 || sc.shape[0] !== bx.shape[0]) fail(name, `\`scores\` must have shape [${bx.shape[0]}] (one per box), received ${fmtShape(sc.shape)}`);
  if (bx.dtype !== 'float32' || sc.dtype !== 'float32') fail(name, `\`boxes\` and \`scores\` must be float32, received ${bx.dtype} and ${sc.dtype}`);
  if (!Number.isInteger(maxOutputSize) || maxOutputSize < 0) fail(name, `\`maxOutputSize\` must be a non-negative integer, received ${maxOutputSize}`);
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) fail(name, `\`iouThreshold\` must be in [0, 1], received ${iouThreshold}`);
  if (typeof scoreThreshold !== 'number') fail(name, `\`scoreThreshold\` must be a number, received ${typeof scoreThreshold}`);
  return [bx, sc];
}

/** Greedy selection, TF.js's: by score (equal scores by index), dropping any box whose IoU with a kept one is >= the threshold. */
function nms(b: ArrayLike<number>, s: ArrayLike<number>, maxOut: number, iouThr: number, scoreThr: number): Tensor {
  const order = Array.from({ length: s.length }, (_, i) => i).filter((i) => s[i]! > scoreThr);
  order.sort((i, j) => s[j]! - s[i]! || i - j);
  const box = (i: number): number[] => {
    const [y1, x1, y2, x2] = [b[4 * i]!, b[4 * i + 1]!, b[4 * i + 2]!, b[4 * i + 3]!];
    return [Math.min(y1, y2), Math.min(x1, x2), Math.max(y1, y2), Math.max(x1, x2)];
  };
  const iou = (i: number, j: number): number => {
    const [ay0, ax0, ay1, ax1] = box(i);
    const [by0, bx0, by1, bx1] = box(j);
    const areaA = (ay1 - ay0) * (ax1 - ax0);
    const areaB = (by1 - by0) * (bx1 - bx0);
    if (areaA <= 0 || areaB <= 0) return 0;
    const inter = Math.max(Math.min(ay1, by1) - Math.max(ay0, by0), 0) * Math.max(Math.min(ax1, bx1) - Math.max(ax0, bx0), 0);
    return inter / (areaA + areaB - inter);
  };
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxOut) break;
    if (kept.every((k) => iou(i, k) < iouThr)) kept.push(i);
  }
  return ints(kept);
}

/** nonMaxSuppression(boxes [n, 4], scores [n], maxOutputSize, iouThreshold = 0.5, scoreThreshold = −∞): the kept boxes' int32 indices, best first. */
export function nonMaxSuppression(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold = 0.5, scoreThreshold = -Infinity): Tensor {
  const [bx, sc] = nmsArgs(boxes, scores, maxOutputSize, iouThreshold, scoreThreshold);
  return nms(bx.dataSync(), sc.dataSync(), maxOutputSize, iouThreshold, scoreThreshold);
}

/** The same, reading the values asynchronously (for a GPU backend). */
export async function nonMaxSuppressionAsync(boxes: TensorLike, scores: TensorLike, maxOutputSize: number, iouThreshold = 0.5, scoreThreshold = -Infinity): Promise<Tensor> {
  const [bx, sc] = nmsArgs(boxes, scores, maxOutputSize, iouThreshold, scoreThreshold);
  const [b, s] = await Promise.all([bx.data(), sc.data()]);
  return nms(b, s, maxOutputSize, iouThreshold, scoreThreshold);
}
