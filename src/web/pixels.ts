/**
 * `tf.browser`: pixels in and out of tensors, with TF.js's signatures and value conventions.
 *
 * - `fromPixels(pixels, numChannels = 3)`: int32 [height, width, numChannels] with values
 *   0–255 from an ImageData, a `{data, width, height}` object (RGBA bytes, also in Node), a
 *   canvas or OffscreenCanvas, an <img>, a <video> or an ImageBitmap. numChannels 1 keeps the red
 *   channel, 3 RGB, 4 RGBA (as TF.js).
 * - `fromPixelsAsync(pixels, numChannels)`: the same, first waiting for an <img> to decode (and
 *   taking a Blob/File: an image file's bytes).
 * - `toPixels(img, canvas?)`: a [h, w] or [h, w, 1|3|4] tensor → RGBA bytes (a
 *   Uint8ClampedArray, gray replicated, alpha 255 when absent), drawn on `canvas` when given
 *   (resized to the image). float32 values must lie in [0, 1] and are scaled by 255; int32 values
 *   must lie in [0, 255].
 * - `draw(img, canvas)`: `toPixels` without the promise (reads the tensor synchronously).
 *
 * Errors name the function, the argument and what was wrong: a null or unsupported source, an
 * image that has not loaded, a video without data yet, a closed ImageBitmap, a wrong rank or
 * channel count, out-of-range values, a canvas that cannot be drawn on (transferred to an
 * OffscreenCanvas, or holding a WebGL context).
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';

/** TF.js's `PixelData`: RGBA bytes of a width × height image. */
export interface PixelData {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

export type PixelSource = PixelData | ImageData | HTMLImageElement | HTMLCanvasElement | HTMLVideoElement | ImageBitmap | OffscreenCanvas;

type Canvas2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

const has = (name: string): boolean => typeof (globalThis as Record<string, unknown>)[name] === 'function';
const isA = <T>(x: unknown, name: string): x is T => has(name) && x instanceof ((globalThis as Record<string, unknown>)[name] as abstract new () => unknown);

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x !== 'object') return typeof x;
  const name = (x as object).constructor?.name;
  return name ? `a ${name}` : 'an object';
}

/** A scratch 2-D context of the given size (OffscreenCanvas where there is one: workers too). */
function scratch(width: number, height: number, op: string): Canvas2D {
  if (has('OffscreenCanvas')) {
    const c = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (c) return c;
  }
  const doc = (globalThis as { document?: Document }).document;
  if (!doc) fail(op, 'drawing an image needs OffscreenCanvas or a document (a canvas), and this JavaScript environment has neither: pass ImageData or {data, width, height}');
  const canvas = doc.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const c = canvas.getContext('2d', { willReadFrequently: true });
  if (!c) fail(op, 'the browser gave no 2-D canvas context');
  return c;
}

/** RGBA bytes and size of any supported source. */
function rgba(pixels: unknown, op: string): { data: Uint8Array | Uint8ClampedArray; width: number; height: number } {
  if (pixels === null || pixels === undefined) fail(op, `\`pixels\` must be an image, canvas, video, ImageBitmap, ImageData or {data, width, height}, received ${describe(pixels)}`);
  if (isA<ImageData>(pixels, 'ImageData')) return { data: pixels.data, width: pixels.width, height: pixels.height };
  let source: CanvasImageSource;
  let width: number;
  let height: number;
  if (isA<HTMLVideoElement>(pixels, 'HTMLVideoElement')) {
    if (pixels.readyState < 2) fail(op, '`pixels` is a <video> that has no frame yet (readyState < HAVE_CURRENT_DATA): wait for its `loadeddata` event');
    [source, width, height] = [pixels, pixels.videoWidth, pixels.videoHeight];
  } else if (isA<HTMLImageElement>(pixels, 'HTMLImageElement')) {
    if (!pixels.complete || pixels.naturalWidth === 0) {
      fail(op, `\`pixels\` is an <img> that has not loaded${pixels.complete ? ' (it failed to load, or has no size)' : ' yet'}: ` +
        'wait for its load event, `await img.decode()`, or use tf.browser.fromPixelsAsync');
    }
    [source, width, height] = [pixels, pixels.naturalWidth, pixels.naturalHeight];
  } else if (isA<HTMLCanvasElement>(pixels, 'HTMLCanvasElement') || isA<OffscreenCanvas>(pixels, 'OffscreenCanvas')) {
    const c = pixels as HTMLCanvasElement | OffscreenCanvas;
    [source, width, height] = [c, c.width, c.height];
    // A 2-D canvas is read directly (no copy through another canvas).
    let ctx: Canvas2D | null = null;
    try {
      ctx = (c as HTMLCanvasElement).getContext('2d') as Canvas2D | null;
    } catch {
      ctx = null; // transferred to an OffscreenCanvas: drawImage below says so
    }
    if (ctx && width > 0 && height > 0) return { data: ctx.getImageData(0, 0, width, height).data, width, height };
  } else if (isA<ImageBitmap>(pixels, 'ImageBitmap')) {
    if (pixels.width === 0 && pixels.height === 0) fail(op, '`pixels` is an ImageBitmap that was closed or transferred (it has no pixels left)');
    [source, width, height] = [pixels, pixels.width, pixels.height];
  } else {
    const p = pixels as Partial<PixelData>;
    if (typeof p === 'object' && p.data !== undefined && typeof p.width === 'number' && typeof p.height === 'number') {
      if (!(p.data instanceof Uint8Array || p.data instanceof Uint8ClampedArray)) fail(op, `\`pixels.data\` must be a Uint8Array or Uint8ClampedArray of RGBA bytes, received ${describe(p.data)}`);
      if (!Number.isInteger(p.width) || !Number.isInteger(p.height) || p.width < 0 || p.height < 0) {
        fail(op, `\`pixels.width\` and \`pixels.height\` must be non-negative integers, received ${p.width} × ${p.height}`);
      }
      if (p.data.length !== p.width * p.height * 4) fail(op, `\`pixels.data\` must hold width × height × 4 = ${p.width * p.height * 4} RGBA bytes, it holds ${p.data.length}`);
      return { data: p.data, width: p.width, height: p.height };
    }
    fail(op, `\`pixels\` must be an HTMLImageElement, HTMLCanvasElement, HTMLVideoElement, ImageBitmap, OffscreenCanvas, ImageData or {data, width, height}, received ${describe(pixels)}`);
  }
  if (width === 0 || height === 0) return { data: new Uint8Array(0), width, height };
  const ctx = scratch(width, height, op);
  try {
    ctx.drawImage(source, 0, 0, width, height);
  } catch (e) {
    fail(op, `\`pixels\` (${describe(pixels)}) cannot be drawn: ${(e as Error).message}`);
  }
  try {
    return { data: ctx.getImageData(0, 0, width, height).data, width, height };
  } catch (e) {
    fail(op, `\`pixels\` cannot be read back: ${(e as Error).message} (an image from another origin without CORS taints the canvas: ` +
      "serve it with Access-Control-Allow-Origin and set img.crossOrigin = 'anonymous')");
  }
}

function checkChannels(numChannels: unknown, op: string): 1 | 3 | 4 {
  if (numChannels !== 1 && numChannels !== 3 && numChannels !== 4) fail(op, `\`numChannels\` must be 1, 3 or 4, received ${String(numChannels)}`);
  return numChannels;
}

/** TF.js's `tf.browser.fromPixels(pixels, numChannels = 3)`: int32 [h, w, numChannels], 0–255. */
export function fromPixels(pixels: PixelSource, numChannels: number = 3): Tensor {
  const op = 'fromPixels';
  const c = checkChannels(numChannels, op);
  const { data, width, height } = rgba(pixels, op);
  const n = width * height;
  const out = new Int32Array(n * c);
  if (c === 4) for (let i = 0; i < out.length; i++) out[i] = data[i]!;
  else for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) out[i * c + k] = data[i * 4 + k]!;
  return ENGINE.makeTensor(out, [height, width, c], 'int32');
}

/**
 * TF.js's `tf.browser.fromPixelsAsync(pixels, numChannels)`: waits for an <img> to decode; also
 * takes a Blob/File holding an image file (decoded with createImageBitmap).
 */
export async function fromPixelsAsync(pixels: PixelSource | Blob, numChannels: number = 3): Promise<Tensor> {
  const op = 'fromPixelsAsync';
  checkChannels(numChannels, op);
  if (typeof Blob !== 'undefined' && pixels instanceof Blob) {
    if (!has('createImageBitmap')) fail(op, 'decoding an image file needs createImageBitmap, which this JavaScript environment lacks');
    let bitmap: ImageBitmap;
    try {
      bitmap = await createImageBitmap(pixels);
    } catch (e) {
      const what = `${pixels.type ? `${pixels.type} ` : ''}${isA<File>(pixels, 'File') ? 'File' : 'Blob'} of ${pixels.size} bytes`;
      fail(op, `\`pixels\` (a ${what}) is not an image the browser can decode: ${(e as Error).message}`);
    }
    try {
      return fromPixels(bitmap, numChannels);
    } finally {
      bitmap.close();
    }
  }
  if (isA<HTMLImageElement>(pixels, 'HTMLImageElement') && !(pixels.complete && pixels.naturalWidth > 0)) {
    try {
      await pixels.decode();
    } catch (e) {
      fail(op, `\`pixels\` is an <img> that did not load (${pixels.currentSrc || pixels.src || 'no src'}): ${(e as Error).message}`);
    }
  }
  return fromPixels(pixels as PixelSource, numChannels);
}

/** RGBA bytes of an image tensor, checked as TF.js does (see the file comment). */
function pixelsOf(img: Tensor, values: ArrayLike<number>, op: string): { bytes: Uint8ClampedArray; width: number; height: number } {
  if (!img || typeof img !== 'object' || !Array.isArray((img as Tensor).shape)) fail(op, `\`img\` must be a Tensor, received ${describe(img)}`);
  if (img.rank !== 2 && img.rank !== 3) fail(op, `\`img\` must be rank 2 [height, width] or rank 3 [height, width, channels], received rank ${img.rank} ${fmtShape(img.shape)}`);
  const [height, width] = img.shape as [number, number];
  const depth = img.rank === 2 ? 1 : img.shape[2]!;
  if (depth !== 1 && depth !== 3 && depth !== 4) fail(op, `\`img\` must have 1, 3 or 4 channels, received ${depth} (shape ${fmtShape(img.shape)})`);
  if (img.dtype !== 'float32' && img.dtype !== 'int32') fail(op, `\`img\` must be float32 (values in [0, 1]) or int32 (values in [0, 255]), received ${img.dtype}`);
  const float = img.dtype === 'float32';
  const max = float ? 1 : 255;
  const bytes = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const px = [0, 0, 0, 255];
    for (let k = 0; k < depth; k++) {
      const v = values[i * depth + k]!;
      if (!(v >= 0 && v <= max)) {
        const at = img.rank === 2 ? `[${Math.floor(i / width)},${i % width}]` : `[${Math.floor(i / width)},${i % width},${k}]`;
        const hint = float && v > 1 && v <= 255 ? ' (divide by 255, or cast to int32, for 0–255 values)' : '';
        fail(op, `\`img\` values for a${float ? ' float32' : 'n int32'} tensor must be in [0, ${max}], found ${v} at ${at}${hint}`);
      }
      px[k] = Math.round(float ? v * 255 : v);
    }
    if (depth === 1) px[1] = px[2] = px[0]!;
    bytes.set(px, i * 4);
  }
  return { bytes, width, height };
}

function paint(canvas: HTMLCanvasElement | OffscreenCanvas, bytes: Uint8ClampedArray, width: number, height: number, op: string): void {
  if (!isA<HTMLCanvasElement>(canvas, 'HTMLCanvasElement') && !isA<OffscreenCanvas>(canvas, 'OffscreenCanvas')) {
    fail(op, `\`canvas\` must be an HTMLCanvasElement or an OffscreenCanvas, received ${describe(canvas)}`);
  }
  let ctx: Canvas2D | null;
  try {
    canvas.width = width;
    canvas.height = height;
    ctx = (canvas as HTMLCanvasElement).getContext('2d') as Canvas2D | null;
  } catch (e) {
    fail(op, `\`canvas\` cannot be drawn on: ${(e as Error).message} (a canvas handed to transferControlToOffscreen() is drawn through its OffscreenCanvas)`);
  }
  if (!ctx) fail(op, '`canvas` cannot be drawn on: it already has a WebGL or bitmaprenderer context (a canvas keeps the first context kind it gave)');
  const image = has('ImageData') ? new ImageData(bytes as Uint8ClampedArray<ArrayBuffer>, width, height) : null;
  if (!image) fail(op, 'ImageData is not available in this JavaScript environment');
  ctx.putImageData(image, 0, 0);
}

/** TF.js's `tf.browser.toPixels(img, canvas?)`: RGBA bytes, drawn on `canvas` when given. */
export async function toPixels(img: Tensor, canvas?: HTMLCanvasElement | OffscreenCanvas): Promise<Uint8ClampedArray> {
  const op = 'toPixels';
  const { bytes, width, height } = pixelsOf(img, img && typeof img === 'object' && 'data' in img ? await img.data() : [], op);
  if (canvas !== undefined && canvas !== null) paint(canvas, bytes, width, height, op);
  return bytes;
}

/** TF.js's `tf.browser.draw(img, canvas)`: `toPixels` drawn synchronously. */
export function draw(img: Tensor, canvas: HTMLCanvasElement | OffscreenCanvas): void {
  const op = 'draw';
  if (canvas === undefined || canvas === null) fail(op, '`canvas` is required (an HTMLCanvasElement or OffscreenCanvas)');
  const { bytes, width, height } = pixelsOf(img, img && typeof img === 'object' && 'dataSync' in img ? img.dataSync() : [], op);
  paint(canvas, bytes, width, height, op);
}

/** `tf.browser`. */
export const browser = { fromPixels, fromPixelsAsync, toPixels, draw };
