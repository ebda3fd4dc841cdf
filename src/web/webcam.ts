/**
 * `tf.data.webcam(videoElement?, config?)`: TF.js's webcam iterator, in web pages.
 *
 *   const cam = await tf.data.webcam(undefined, { resizeWidth: 224, resizeHeight: 224 });
 *   const frame = await cam.capture();   // int32 [224, 224, 3], 0–255
 *   cam.stop();                          // releases the camera; next() is then done
 *   await cam.start();                   // opens it again
 *   for await (const f of cam) { ... }   // an endless stream of frames (until stop())
 *
 * As TF.js: with a <video> element, frames are read at the element's `width` × `height` (its
 * attributes; the camera's size when they are unset), and when `resizeWidth`/`resizeHeight`
 * differ from that size each frame is cropped and resized with bilinear interpolation
 * (TensorFlow's crop_and_resize: float32 values) — the whole frame, or with `centerCrop` a
 * centred box of `resizeWidth` × `resizeHeight` pixels of the element's frame (a box larger than
 * the frame reads zeros beyond it). Without an element, a hidden one of `resizeWidth` ×
 * `resizeHeight` (both required) is made, and frames come at that size as int32 (as
 * `tf.browser.fromPixels`). `facingMode` ('user' or 'environment') and `deviceId` choose the
 * camera. The element shows the stream (muted, inline) while the iterator runs.
 *
 * Browser-only: in Node it throws, saying so and what to use instead.
 */
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { isBrowser, nodeApis } from '../platform/index.ts';

/** TF.js's `WebcamConfig`. */
export interface WebcamConfig {
  /** 'user' (the front camera) or 'environment' (the back one). */
  facingMode?: 'user' | 'environment';
  /** A camera from `navigator.mediaDevices.enumerateDevices()`. */
  deviceId?: string;
  /** Width of the frames returned (with resizeHeight). */
  resizeWidth?: number;
  /** Height of the frames returned (with resizeWidth). */
  resizeHeight?: number;
  /** Crop a centred resizeWidth × resizeHeight box instead of resizing the whole frame. */
  centerCrop?: boolean;
}

const OP = 'tf.data.webcam';
const KEYS = ['facingMode', 'deviceId', 'resizeWidth', 'resizeHeight', 'centerCrop'];

function positiveInt(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(OP, `\`${name}\` must be a positive integer, received ${JSON.stringify(v) ?? String(v)}`);
  return v;
}

/**
 * TensorFlow's crop_and_resize of one box (bilinear, 0 outside the image): `img` is h × w × c
 * values, the box [y1, x1, y2, x2] in normalised coordinates, the result ch × cw × c float32.
 */
export function cropAndResizeBox(img: ArrayLike<number>, h: number, w: number, c: number, box: [number, number, number, number], ch: number, cw: number): Float32Array {
  const [y1, x1, y2, x2] = box;
  const out = new Float32Array(ch * cw * c);
  const sy = ch > 1 ? ((y2 - y1) * (h - 1)) / (ch - 1) : 0;
  const sx = cw > 1 ? ((x2 - x1) * (w - 1)) / (cw - 1) : 0;
  for (let y = 0; y < ch; y++) {
    const iy = ch > 1 ? y1 * (h - 1) + y * sy : 0.5 * (y1 + y2) * (h - 1);
    if (iy < 0 || iy > h - 1) continue; // the extrapolation value, 0
    const top = Math.floor(iy);
    const bottom = Math.ceil(iy);
    const fy = iy - top;
    for (let x = 0; x < cw; x++) {
      const ix = cw > 1 ? x1 * (w - 1) + x * sx : 0.5 * (x1 + x2) * (w - 1);
      if (ix < 0 || ix > w - 1) continue;
      const left = Math.floor(ix);
      const right = Math.ceil(ix);
      const fx = ix - left;
      for (let k = 0; k < c; k++) {
        const tl = img[(top * w + left) * c + k]!;
        const tr = img[(top * w + right) * c + k]!;
        const bl = img[(bottom * w + left) * c + k]!;
        const br = img[(bottom * w + right) * c + k]!;
        const t = tl + (tr - tl) * fx;
        const b = bl + (br - bl) * fx;
        out[(y * cw + x) * c + k] = t + (b - t) * fy;
      }
    }
  }
  return out;
}

/** TF.js's `WebcamIterator`: frames of a camera as [height, width, 3] tensors. */
export class WebcamIterator implements AsyncIterableIterator<Tensor> {
  private stream: MediaStream | null = null;
  private canvas: OffscreenCanvas | HTMLCanvasElement | null = null;
  private running = false;

  private constructor(
    /** The element showing the stream (the one given, or a hidden one). */
    readonly webcamVideoElement: HTMLVideoElement,
    readonly webcamConfig: WebcamConfig,
  ) {}

  /** Checks the arguments, opens the camera and waits for its first frame. */
  static async create(webcamVideoElement?: HTMLVideoElement | null, webcamConfig: WebcamConfig = {}): Promise<WebcamIterator> {
    if (!isBrowser() || nodeApis() || typeof document === 'undefined') {
      fail(OP, 'a webcam is browser-only (this is not a web page: no document); in Node read images from disk with tf.data.imageFolder, or feed frames you already have with tf.data.generator');
    }
    if (webcamConfig === null || typeof webcamConfig !== 'object') fail(OP, `\`webcamConfig\` must be an object, received ${String(webcamConfig)}`);
    for (const k of Object.keys(webcamConfig)) if (!KEYS.includes(k)) fail(OP, `unknown option '${k}' in \`webcamConfig\` (expected ${KEYS.join(', ')})`);
    const resizeWidth = positiveInt(webcamConfig.resizeWidth, 'resizeWidth');
    const resizeHeight = positiveInt(webcamConfig.resizeHeight, 'resizeHeight');
    if ((resizeWidth === undefined) !== (resizeHeight === undefined)) fail(OP, `give both \`resizeWidth\` and \`resizeHeight\` or neither, received ${resizeWidth} × ${resizeHeight}`);
    const fm = webcamConfig.facingMode;
    if (fm !== undefined && fm !== 'user' && fm !== 'environment') fail(OP, `\`facingMode\` must be 'user' or 'environment', received ${JSON.stringify(fm)}`);
    if (webcamConfig.deviceId !== undefined && typeof webcamConfig.deviceId !== 'string') fail(OP, `\`deviceId\` must be a string, received ${typeof webcamConfig.deviceId}`);
    let video = webcamVideoElement ?? null;
    if (video === null) {
      if (resizeWidth === undefined) fail(OP, 'give a <video> element, or resizeWidth and resizeHeight for a hidden one');
      video = document.createElement('video');
      video.width = resizeWidth;
      video.height = resizeHeight!;
    } else if (typeof HTMLVideoElement !== 'function' || !(video instanceof HTMLVideoElement)) {
      fail(OP, `\`webcamVideoElement\` must be an HTMLVideoElement, received ${(video as object)?.constructor?.name ?? typeof video}`);
    }
    const it = new WebcamIterator(video, { ...webcamConfig });
    await it.start();
    return it;
  }

  /** Opens the camera (again, after stop()) and waits for its first frame. */
  async start(): Promise<void> {
    if (this.running) return;
    const md = (globalThis as { navigator?: Navigator }).navigator?.mediaDevices;
    if (!md || typeof md.getUserMedia !== 'function') fail(OP, 'this page has no navigator.mediaDevices.getUserMedia (a camera needs a secure context: https or localhost)');
    const { facingMode, deviceId, resizeWidth, resizeHeight } = this.webcamConfig;
    const video: MediaTrackConstraints = {};
    if (deviceId !== undefined) video.deviceId = { exact: deviceId };
    else if (facingMode !== undefined) video.facingMode = facingMode;
    if (resizeWidth !== undefined) {
      video.width = resizeWidth;
      video.height = resizeHeight!;
    }
    try {
      this.stream = await md.getUserMedia({ video: Object.keys(video).length ? video : true, audio: false });
    } catch (e) {
      const err = e as { name?: string; message?: string };
      fail(OP, `the camera could not be opened: ${err.name ?? 'Error'}: ${err.message ?? String(e)}${err.name === 'NotAllowedError' ? ' (the user or the page\'s permissions refused it)' : ''}`);
    }
    const el = this.webcamVideoElement;
    el.muted = true;
    el.playsInline = true;
    el.srcObject = this.stream;
    if (el.readyState < 2) {
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          el.removeEventListener('loadeddata', done);
          el.removeEventListener('error', failed);
          resolve();
        };
        const failed = () => {
          el.removeEventListener('loadeddata', done);
          el.removeEventListener('error', failed);
          reject(new Error(`${OP}: the <video> element failed to play the camera stream`));
        };
        el.addEventListener('loadeddata', done);
        el.addEventListener('error', failed);
      });
    }
    await el.play().catch(() => undefined); // frames are readable once data arrived, playing or not
    this.running = true;
  }

  /** Releases the camera; `next()` is then done until `start()`. */
  stop(): void {
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
    try {
      this.webcamVideoElement.srcObject = null;
    } catch {
      // an element that no longer takes streams: nothing to release
    }
    this.running = false;
  }

  /** The current frame (see the module comment for its size and dtype). */
  async capture(): Promise<Tensor> {
    if (!this.running) fail(OP, 'capture(): the webcam is stopped (call start() first)');
    return this.frame();
  }

  async next(): Promise<IteratorResult<Tensor>> {
    if (!this.running) return { value: undefined, done: true };
    return { value: this.frame(), done: false };
  }

  async return(): Promise<IteratorResult<Tensor>> {
    this.stop();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Tensor> {
    return this;
  }

  /** A description, as TF.js's iterators give. */
  summary(): string {
    return 'Endless data stream from webcam';
  }

  /** The element's size: its width/height attributes, else the camera's. */
  private size(): [number, number] {
    const el = this.webcamVideoElement;
    return [el.width || el.videoWidth, el.height || el.videoHeight];
  }

  private frame(): Tensor {
    const el = this.webcamVideoElement;
    if (el.readyState < 2) fail(OP, 'the camera has no frame yet (the <video> element has no data)');
    const [w, h] = this.size();
    if (w === 0 || h === 0) fail(OP, `the camera gives frames of ${w} × ${h} pixels`);
    if (!this.canvas || this.canvas.width !== w || this.canvas.height !== h) {
      if (typeof OffscreenCanvas === 'function') this.canvas = new OffscreenCanvas(w, h);
      else {
        const c = document.createElement('canvas');
        c.width = w;
        c.height = h;
        this.canvas = c;
      }
    }
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
    if (!ctx) fail(OP, 'the browser gave no 2-D canvas context');
    ctx.drawImage(el, 0, 0, w, h);
    const rgba = ctx.getImageData(0, 0, w, h).data;
    const { resizeWidth: rw, resizeHeight: rh, centerCrop } = this.webcamConfig;
    const rgb = new Int32Array(w * h * 3);
    for (let i = 0; i < w * h; i++) for (let k = 0; k < 3; k++) rgb[i * 3 + k] = rgba[i * 4 + k]!;
    if (rw === undefined || rh === undefined || (rw === w && rh === h)) return ENGINE.makeTensor(rgb, [h, w, 3], 'int32');
    let box: [number, number, number, number] = [0, 0, 1, 1];
    if (centerCrop) {
      const fw = rw / w;
      const fh = rh / h;
      const y0 = (1 - fh) / 2;
      const x0 = (1 - fw) / 2;
      box = [y0, x0, y0 + fh, x0 + fw];
    }
    return ENGINE.makeTensor(cropAndResizeBox(rgb, h, w, 3, box, rh, rw), [rh, rw, 3], 'float32');
  }
}

/** TF.js's `tf.data.webcam(webcamVideoElement?, webcamConfig?)`: a started WebcamIterator. */
export function webcam(webcamVideoElement?: HTMLVideoElement | null, webcamConfig?: WebcamConfig): Promise<WebcamIterator> {
  return WebcamIterator.create(webcamVideoElement, webcamConfig);
}
