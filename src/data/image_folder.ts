/**
 * `imageFolder(dir, options)`: Keras's `flow_from_directory` / `image_dataset_from_directory`.
 *
 * `dir/<class>/**.png|jpg|jpeg`: class folders sorted alphabetically give class indices
 * (`classIndices`); files are listed sorted within each class. Each pass yields batches
 * `{xs, ys}`: xs float32 [B, h, w, C] (C = 3 for 'rgb', 1 for 'grayscale'), pixel values 0..255
 * times `rescale`; ys per `classMode`: 'categorical' one-hot float32 [B, K], 'binary' float32 [B]
 * (two classes), 'sparse' float32 [B] (Keras), 'int' int32 [B].
 *
 * Per image: decode (pngjs / jpeg-js, RGBA bytes) → colour conversion (grayscale as PIL's "L":
 * (19595 R + 38470 G + 7471 B + 2^15) >> 16) → bilinear resize to `targetSize` (half-pixel
 * centres, TF2's `tf.image.resize`) → augmentation → × rescale.
 *
 * Augmentation (Keras `ImageDataGenerator.random_transform`): θ ~ U(−rotationRange,
 * rotationRange) degrees, row shift ~ U(−heightShiftRange, heightShiftRange)·h, column shift
 * ~ U(−widthShiftRange, widthShiftRange)·w, combined into one affine map from output pixel
 * (r, c) to input point  R(θ)·((r, c) − centre) + centre + shift,  sampled bilinearly with
 * 'nearest' fill (coordinates clamped to the image); then a horizontal flip with probability ½.
 * The shuffle of each pass and the augmentation draws come from one Philox stream per pass
 * (a SeedGenerator), so a seed makes everything repeatable and each epoch differs.
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { unzlibSync } from 'fflate';
import { join, relative } from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import { readRegularFile, readRegularFileAsync, readRegularFilePrefix } from '../platform/files.ts';
import { fmtCount, getLimits } from '../core/limits.ts';
import type { Tensor } from '../core/tensor.ts';
import { Dataset, LazyIterator, WordSource, passStreams, seedToInt } from './dataset.ts';

const OP = 'imageFolder';
const EXT = /\.(png|jpe?g)$/i;

export interface AugmentOptions {
  horizontalFlip?: boolean;
  /** Fraction of the width: shifts drawn from U(−r, r)·w. */
  widthShiftRange?: number;
  /** Fraction of the height. */
  heightShiftRange?: number;
  /** Degrees: angles drawn from U(−r, r). */
  rotationRange?: number;
}

export interface ImageFolderOptions {
  /** [height, width] of the output images; when omitted every image must have the same size. */
  targetSize?: [number, number];
  /** Factor applied to pixel values (e.g. 1/255); default 1. */
  rescale?: number;
  batchSize?: number;
  shuffle?: boolean;
  seed?: number | string;
  classMode?: 'categorical' | 'binary' | 'sparse' | 'int';
  colorMode?: 'rgb' | 'grayscale';
  augment?: AugmentOptions;
}

export interface ImageBatch {
  xs: Tensor;
  ys: Tensor;
}

/** Width and height from a PNG or JPEG header, or null when the header cannot be read. */
export function imageSize(bytes: Uint8Array): [number, number] | null {
  if (bytes.length >= 24 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return [v.getUint32(20, false), v.getUint32(16, false)];
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let p = 2;
    while (p + 9 < bytes.length) {
      if (bytes[p] !== 0xff) return null;
      const m = bytes[p + 1]!;
      if (m === 0xff) {
        p++;
        continue;
      }
      const len = (bytes[p + 2]! << 8) | bytes[p + 3]!;
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
        return [(bytes[p + 5]! << 8) | bytes[p + 6]!, (bytes[p + 7]! << 8) | bytes[p + 8]!];
      }
      p += 2 + len;
    }
  }
  return null;
}

/**
 * Refuses an image whose header claims more than `maxImagePixels` (PIL's limit, 178,956,970,
 * which guards against decompression bombs), before anything is decoded.
 */
export function checkImagePixels(size: [number, number] | null, name: string): void {
  if (!size) return;
  const [w, h] = size;
  const max = getLimits().maxImagePixels;
  if (w * h > max) fail(OP, `${name} is ${w}×${h} = ${fmtCount(w * h)} pixels, above the ${fmtCount(max)}-pixel limit (PIL's, against decompression bombs; tf.setLimits({maxImagePixels}) raises it)`);
}

/**
 * An interlaced PNG is inflated by pngjs without a bound; inflate its image data here first, with
 * the most its header allows (every Adam7 pass's rows and filter bytes) as the limit.
 */
function checkInterlacedPng(bytes: Uint8Array, name: string): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 33 || bytes[28] !== 1) return; // IHDR interlace method
  const w = dv.getUint32(16, false), h = dv.getUint32(20, false), depth = bytes[24]!, colour = bytes[25]!;
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[colour] ?? 4;
  const bound = Math.ceil((w * h * channels * depth) / 8) + 4 * h + 64;
  const parts: Uint8Array[] = [];
  for (let p = 8; p + 12 <= bytes.length; ) {
    const len = dv.getUint32(p, false);
    const type = String.fromCharCode(bytes[p + 4]!, bytes[p + 5]!, bytes[p + 6]!, bytes[p + 7]!);
    if (type === 'IDAT') parts.push(bytes.subarray(p + 8, Math.min(bytes.length, p + 8 + len)));
    if (type === 'IEND') break;
    p += 12 + len;
  }
  const data = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) {
    data.set(x, o);
    o += x.length;
  }
  let out: Uint8Array;
  try {
    out = unzlibSync(data, { out: new Uint8Array(bound + 1) });
  } catch (e) {
    fail(OP, `cannot decode ${name}: ${(e as Error).message}`);
  }
  if (out.length > bound) fail(OP, `${name}: its interlaced image data inflates past the ${bound} bytes a ${w}×${h} image holds (a decompression bomb?)`);
}

/** Decodes a PNG or JPEG to RGBA bytes (after checking the header's pixel count). */
export function decodeImage(bytes: Uint8Array, name: string): { width: number; height: number; data: Uint8Array } {
  checkImagePixels(imageSize(bytes), name);
  const maxPixels = getLimits().maxImagePixels;
  try {
    if (bytes[0] === 0x89 && bytes[1] === 0x50) {
      checkInterlacedPng(bytes, name);
      const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: png.data };
    }
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: maxPixels / 1e6, maxMemoryUsageInMB: Math.max(512, Math.ceil((maxPixels * 8) / 2 ** 20)) });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (e) {
    if (e instanceof Error && e.message.startsWith(`${OP}:`)) throw e;
    fail(OP, `cannot decode ${name}: ${(e as Error).message}`);
  }
  fail(OP, `${name} is neither a PNG nor a JPEG (unknown signature)`);
}

/** RGBA bytes → float channels (rgb or PIL-style grayscale). */
function toChannels(rgba: Uint8Array, n: number, channels: 1 | 3): Float32Array {
  const out = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) {
    const r = rgba[4 * i]!, g = rgba[4 * i + 1]!, b = rgba[4 * i + 2]!;
    if (channels === 3) {
      out[3 * i] = r;
      out[3 * i + 1] = g;
      out[3 * i + 2] = b;
    } else out[i] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
  }
  return out;
}

/** Bilinear resize with half-pixel centres (TF2 `tf.image.resize(..., 'bilinear')`). */
export function resizeBilinear(src: Float32Array, h: number, w: number, c: number, oh: number, ow: number): Float32Array {
  if (h === oh && w === ow) return src;
  const out = new Float32Array(oh * ow * c);
  const sy = h / oh, sx = w / ow;
  for (let y = 0; y < oh; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(Math.floor(fy), h - 1), y1 = Math.min(y0 + 1, h - 1), dy = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(Math.floor(fx), w - 1), x1 = Math.min(x0 + 1, w - 1), dx = fx - x0;
      for (let k = 0; k < c; k++) {
        const a = src[(y0 * w + x0) * c + k]!, b = src[(y0 * w + x1) * c + k]!;
        const d = src[(y1 * w + x0) * c + k]!, e = src[(y1 * w + x1) * c + k]!;
        const top = a + (b - a) * dx, bot = d + (e - d) * dx;
        out[(y * ow + x) * c + k] = top + (bot - top) * dy;
      }
    }
  }
  return out;
}

/** Affine resampling (rotation θ radians about the centre, then a shift), 'nearest' fill, and an optional flip. */
export function affineTransform(src: Float32Array, h: number, w: number, c: number, theta: number, shiftRows: number, shiftCols: number, flip: boolean): Float32Array {
  const out = new Float32Array(h * w * c);
  const cos = Math.cos(theta), sin = Math.sin(theta);
  const cr = (h - 1) / 2, cc = (w - 1) / 2;
  for (let r = 0; r < h; r++) {
    for (let col = 0; col < w; col++) {
      const dr = r - cr, dc = col - cc;
      const ir = Math.min(h - 1, Math.max(0, cos * dr - sin * dc + cr + shiftRows));
      const ic = Math.min(w - 1, Math.max(0, sin * dr + cos * dc + cc + shiftCols));
      const r0 = Math.floor(ir), c0 = Math.floor(ic);
      const r1 = Math.min(r0 + 1, h - 1), c1 = Math.min(c0 + 1, w - 1);
      const fr = ir - r0, fc = ic - c0;
      const oc = flip ? w - 1 - col : col;
      for (let k = 0; k < c; k++) {
        const a = src[(r0 * w + c0) * c + k]!, b = src[(r0 * w + c1) * c + k]!;
        const d = src[(r1 * w + c0) * c + k]!, e = src[(r1 * w + c1) * c + k]!;
        const top = a + (b - a) * fc, bot = d + (e - d) * fc;
        out[(r * w + oc) * c + k] = top + (bot - top) * fr;
      }
    }
  }
  return out;
}

function headerSize(path: string): [number, number] | null {
  const size = imageSize(readRegularFilePrefix(path, 65536, OP));
  checkImagePixels(size, path);
  return size;
}

/**
 * Image files under `root` (paths relative to it, sorted), as Keras lists them with
 * `follow_links=False`: symlinked directories are not entered (so a link loop cannot recurse),
 * hidden entries are skipped, and each real directory is listed once.
 */
function listImages(root: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (rel: string) => {
    const abs = rel === '' ? root : join(root, rel);
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const r = rel === '' ? e.name : join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else if (EXT.test(e.name)) out.push(r); // files, links, and anything else (read as a regular file or refused, named)
    }
  };
  walk('');
  return out.sort();
}

export class ImageFolderDataset extends Dataset<ImageBatch> {
  /** Class name → index (alphabetical order of the folder names). */
  readonly classIndices: Record<string, number>;
  readonly classNames: string[];
  /** Every image's path, in class-then-name order, and its class index. */
  readonly filepaths: string[];
  readonly classes: Int32Array;
  readonly samples: number;
  /** [h, w, C] of the xs rows. */
  readonly imageShape: [number, number, number];
  readonly batchSize: number;

  constructor(dir: string, options: ImageFolderOptions = {}) {
    if (typeof dir !== 'string') fail(OP, `\`directory\` must be a path string, received ${typeof dir}`);
    if (!existsSync(dir)) fail(OP, `directory not found: ${dir}`);
    if (!statSync(dir).isDirectory()) fail(OP, `${dir} is not a directory`);
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) fail(OP, `\`batchSize\` must be a positive integer, received ${String(batchSize)}`);
    const classMode = options.classMode ?? 'categorical';
    if (!['categorical', 'binary', 'sparse', 'int'].includes(classMode)) fail(OP, `\`classMode\` must be 'categorical', 'binary', 'sparse' or 'int', received ${String(classMode)}`);
    const colorMode = options.colorMode ?? 'rgb';
    if (colorMode !== 'rgb' && colorMode !== 'grayscale') fail(OP, `\`colorMode\` must be 'rgb' or 'grayscale', received ${String(colorMode)}`);
    const channels: 1 | 3 = colorMode === 'rgb' ? 3 : 1;
    const rescale = options.rescale ?? 1;
    if (typeof rescale !== 'number' || !Number.isFinite(rescale)) fail(OP, `\`rescale\` must be a finite number, received ${String(rescale)}`);
    const ts = options.targetSize;
    if (ts !== undefined && (!Array.isArray(ts) || ts.length !== 2 || !ts.every((d) => Number.isInteger(d) && d > 0))) {
      fail(OP, `\`targetSize\` must be [height, width] of positive integers, received ${JSON.stringify(ts)}`);
    }
    const aug = options.augment ?? {};
    for (const k of ['widthShiftRange', 'heightShiftRange', 'rotationRange'] as const) {
      const v = aug[k];
      if (v !== undefined && (typeof v !== 'number' || !(v >= 0))) fail(OP, `\`augment.${k}\` must be a non-negative number, received ${String(v)}`);
    }
    const augmenting = !!(aug.horizontalFlip || aug.widthShiftRange || aug.heightShiftRange || aug.rotationRange);

    const classNames = readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
    if (classNames.length === 0) fail(OP, `${dir} has no class subfolders (expected ${dir}/<class>/<image>.png|jpg)`);
    if (classMode === 'binary' && classNames.length !== 2) fail(OP, `classMode 'binary' needs exactly 2 class folders, ${dir} has ${classNames.length} (${classNames.join(', ')})`);
    const filepaths: string[] = [];
    const cls: number[] = [];
    classNames.forEach((name, ci) => {
      const cdir = join(dir, name);
      const files = listImages(cdir);
      for (const f of files) {
        filepaths.push(join(cdir, f));
        cls.push(ci);
      }
    });
    const n = filepaths.length;
    if (n === 0) fail(OP, `no .png/.jpg/.jpeg images found under ${dir} (class folders: ${classNames.join(', ')})`);

    // Output size: targetSize, or the common size of all images (checked from their headers).
    let h: number, w: number;
    if (ts) [h, w] = ts;
    else {
      let first: [number, number] | null = null;
      for (let i = 0; i < n; i++) {
        const s = headerSize(filepaths[i]!) ?? (() => {
          const d = decodeImage(readRegularFile(filepaths[i]!, OP), filepaths[i]!);
          return [d.height, d.width] as [number, number];
        })();
        if (!first) first = s;
        else if (s[0] !== first[0] || s[1] !== first[1]) {
          fail(OP, `images have different sizes and no targetSize was given: ${relative(dir, filepaths[0]!)} is ${first[1]}×${first[0]} (w×h), ` +
            `${relative(dir, filepaths[i]!)} is ${s[1]}×${s[0]}; pass targetSize: [height, width]`);
        }
      }
      [h, w] = first!;
    }

    const K = classNames.length;
    const nextStream = passStreams(seedToInt(options.seed, OP), true);
    const shuffle = options.shuffle ?? true;

    interface Params { theta: number; tr: number; tc: number; flip: boolean }
    const drawParams = (rng: WordSource): Params => {
      const rot = aug.rotationRange ?? 0, hs = aug.heightShiftRange ?? 0, ws = aug.widthShiftRange ?? 0;
      const theta = ((rng.uniform() * 2 - 1) * rot * Math.PI) / 180;
      const tr = (rng.uniform() * 2 - 1) * hs * h;
      const tc = (rng.uniform() * 2 - 1) * ws * w;
      const flip = !!aug.horizontalFlip && rng.uniform() < 0.5;
      return { theta, tr, tc, flip };
    };
    const loadImage = async (i: number, p: Params | null): Promise<Float32Array> => {
      const path = filepaths[i]!;
      const img = decodeImage(await readRegularFileAsync(path, OP), path);
      if (!ts && (img.height !== h || img.width !== w)) {
        fail(OP, `${relative(dir, path)} is ${img.width}×${img.height} (w×h) but the other images are ${w}×${h}; pass targetSize: [height, width]`);
      }
      let px = toChannels(img.data, img.width * img.height, channels);
      px = resizeBilinear(px, img.height, img.width, channels, h, w);
      if (p && (p.theta !== 0 || p.tr !== 0 || p.tc !== 0 || p.flip)) px = affineTransform(px, h, w, channels, p.theta, p.tr, p.tc, p.flip);
      if (rescale !== 1) for (let k = 0; k < px.length; k++) px[k] = px[k]! * rescale;
      return px;
    };

    const factory = (): LazyIterator<ImageBatch> => {
      const rng = new WordSource(nextStream());
      const order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      if (shuffle) {
        for (let i = n - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          const t = order[i]!;
          order[i] = order[j]!;
          order[j] = t;
        }
      }
      let pos = 0;
      return new LazyIterator<ImageBatch>(async () => {
        if (pos >= n) return { done: true, value: undefined };
        const idx = Array.from(order.subarray(pos, Math.min(n, pos + batchSize)));
        pos += idx.length;
        const rowSize = h * w * channels;
        const xs = new Float32Array(idx.length * rowSize);
        // Augmentation draws are taken in batch order before the (concurrent) file reads.
        const params = idx.map(() => (augmenting ? drawParams(rng) : null));
        const pixels = await Promise.all(idx.map((i, k) => loadImage(i, params[k] ?? null)));
        pixels.forEach((p, k) => xs.set(p, k * rowSize));
        let ys: Tensor;
        if (classMode === 'categorical') {
          const y = new Float32Array(idx.length * K);
          idx.forEach((i, k) => (y[k * K + cls[i]!] = 1));
          ys = ENGINE.makeTensor(y, [idx.length, K], 'float32');
        } else if (classMode === 'int') ys = ENGINE.makeTensor(Int32Array.from(idx, (i) => cls[i]!), [idx.length], 'int32');
        else ys = ENGINE.makeTensor(Float32Array.from(idx, (i) => cls[i]!), [idx.length], 'float32');
        return { done: false, value: { xs: ENGINE.makeTensor(xs, [idx.length, h, w, channels], 'float32'), ys } };
      });
    };

    super(factory, Math.ceil(n / batchSize));
    this.classNames = classNames;
    this.classIndices = Object.fromEntries(classNames.map((c, i) => [c, i]));
    this.filepaths = filepaths;
    this.classes = Int32Array.from(cls);
    this.samples = n;
    this.imageShape = [h, w, channels];
    this.batchSize = batchSize;
  }
}

/** A dataset of `{xs, ys}` batches over `dir/<class>/*.png|jpg|jpeg` (see the file comment). */
export function imageFolder(dir: string, options: ImageFolderOptions = {}): ImageFolderDataset {
  return new ImageFolderDataset(dir, options);
}
