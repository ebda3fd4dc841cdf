/**
 * The WebAssembly SIMD backend ('wasm'): the reference backend's storage (`RefData` holding JS
 * typed arrays, so the garbage collector reclaims it like any array) and kernels, with the hot
 * kernels replaced by SIMD128 ones compiled from AssemblyScript (wasm/kernels.ts). A kernel copies
 * its inputs into the module's memory (a bump arena reset on every call), runs, and copies the
 * result out into a new typed array: one copy per operand, no storage to free by hand.
 *
 * Kernels (float32; other dtypes, and broadcast patterns other than the ones named, use the
 * reference kernels unchanged):
 * - BatchMatMul: packed, blocked GEMM with a 4×8 SIMD128 micro-kernel (A·B, A·Bᵀ, Aᵀ·B, batch
 *   broadcasting). Sums in float32 in increasing k, no fused multiply-add: equal to the reference
 *   (float64 accumulation) and to the native backend (FMA) within float32 rounding, ~1e-6·√k
 *   relative; identical run to run, and to a naive float32 loop bit for bit.
 * - Add, Sub, Mul, Div, Maximum, Minimum, SquaredDifference and Greater, GreaterEqual, Less,
 *   LessEqual, Equal, NotEqual with same shapes, a scalar operand, a row (trailing axes) or a column
 *   (leading axes) broadcast; Relu, Neg, Abs, Sqrt, Square; Select with full or scalar branches;
 *   Sum and Mean over one contiguous block of axes (float64 accumulation in index order, the mean
 *   divided in float64); BroadcastTo (row, column, scalar patterns; a copy): all bit-identical
 *   to the reference backend (one IEEE float32 operation per element, or the reference's own
 *   summation order), hence to the native backend's kernels of the same names.
 * - Conv2D and its two gradients: im2col + the GEMM (conv.ts), within float32 rounding of the
 *   reference.
 * - Dropout (Philox-4x32-10 mask and (x·scale)·mask) and AdamUpdate, SGDUpdate (with or
 *   without (Nesterov) momentum), RMSpropUpdate (plain/centered/momentum): the fused kernels the ops use
 *   when a backend has them (as the native backend does), computing the composition's float32
 *   operations in its order: bit-identical to the unfused ops on the reference backend.
 */
import type { KernelArgs, KernelFunc, TensorInfo } from '../../core/backend.ts';
import { IdemError } from '../../core/errors.ts';
import { optimizerKernelArgs, type OptimizerKernelAttrs, type OptimizerKernelName } from '../../core/kernels.ts';
import { broadcastShapes, sizeFromShape } from '../../core/shape.ts';
import { PooledBackend } from '../pooled.ts';
import { kernels as referenceKernels } from '../reference/kernels/index.ts';
import { matMulGeometry } from '../reference/kernels/linalg.ts';
import { contiguousReduceGeometry } from '../reference/kernels/reduce.ts';
import { convKernels, type GemmCall } from './conv.ts';
import type { GemmThreads } from './threads.ts';
import { sayOnce } from '../../platform/index.ts';

/**
 * The worker pool a backend uses now (replaced by `WasmBackend.setThreads`), its arena over the
 * shared memory, and why there is none when more threads were wanted (said once, at the first
 * product large enough to have used them).
 */
interface ThreadSlot {
  threads: GemmThreads | null;
  arena: Arena | null;
  unavailable: string | null;
  /** Products run on the worker threads so far. */
  threaded: number;
}

/** The part of a WebAssembly.Memory the backend uses (lib ES2022 has no WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The compiled module's exports (wasm/kernels.ts). */
export interface WasmKernels {
  memory: WasmMemory;
  heapBase(): number;
  gemmWorkspace(): number;
  gemmPackedBBytes(n: number, k: number): number;
  gemmPackB(b: number, n: number, k: number, tb: number, dst: number, j0: number, j1: number): void;
  gemmBlock(a: number, pb: number, c: number, m: number, n: number, k: number, ta: number, ws: number, i0: number, i1: number, j0: number, j1: number): void;
  binary(op: number, a: number, ak: number, b: number, bk: number, out: number, rows: number, inner: number): void;
  compare(op: number, a: number, ak: number, b: number, bk: number, out: number, rows: number, inner: number): void;
  unary(op: number, x: number, out: number, n: number): void;
  select(c: number, t: number, tScalar: number, e: number, eScalar: number, out: number, n: number): void;
  sum(x: number, out: number, outer: number, mid: number, inner: number, acc: number, div: number): void;
  dropout(x: number, y: number, mask: number, n: number, k0: number, k1: number, sLo: number, sHi: number, rate: number, scale: number): void;
  adam(n: number, g: number, x: number, m: number, v: number, ox: number, om: number, ov: number, c1: number, c2: number, a: number, e: number): void;
  sgd(n: number, kind: number, g: number, x: number, m: number, ox: number, om: number, lr: number, mu: number): void;
  rmsprop(n: number, g: number, x: number, vel: number, mg: number, mo: number, ox: number, ovel: number, omg: number, omo: number,
    r: number, c: number, lr: number, e: number, centered: number, momentum: number, mom: number): void;
}

/** A bump allocator over the module's memory, reset at the start of every kernel. */
class Arena {
  private top = 0;
  private buffer: ArrayBuffer;
  f32: Float32Array;
  u8: Uint8Array;

  /** `out(n)`: the array a float32 result is copied into (the backend's pooled storage). */
  constructor(private readonly k: Pick<WasmKernels, 'memory' | 'heapBase'>, private readonly out: (n: number) => Float32Array = (n) => new Float32Array(n)) {
    this.buffer = k.memory.buffer;
    this.f32 = new Float32Array(this.buffer);
    this.u8 = new Uint8Array(this.buffer);
    this.reset();
  }

  reset(): void {
    this.top = (this.k.heapBase() + 63) & ~63;
  }

  /** `bytes` bytes, 64-byte aligned; grows the memory when needed (views are renewed). */
  alloc(bytes: number): number {
    const p = this.top;
    this.top = (p + bytes + 63) & ~63;
    const mem = this.k.memory;
    if (this.top > mem.buffer.byteLength) {
      try {
        mem.grow(Math.ceil((this.top - mem.buffer.byteLength) / 65536));
      } catch {
        throw new IdemError(`wasm backend: cannot grow WebAssembly memory to ${this.top} bytes for one kernel call`);
      }
    }
    if (mem.buffer !== this.buffer) {
      this.buffer = mem.buffer;
      this.f32 = new Float32Array(this.buffer);
      this.u8 = new Uint8Array(this.buffer);
    }
    return p;
  }

  /** Copies float32 values in; returns their address. */
  putF32(v: Float32Array): number {
    const p = this.alloc(v.length * 4);
    this.f32.set(v, p >> 2);
    return p;
  }

  putU8(v: Uint8Array): number {
    const p = this.alloc(v.length);
    this.u8.set(v, p);
    return p;
  }

  /** A copy of n floats at p, in storage from `out` (a pooled array: no fresh ArrayBuffer per result). */
  getF32(p: number, n: number): Float32Array {
    const o = this.out(n);
    o.set(this.f32.subarray(p >> 2, (p >> 2) + n));
    return o;
  }

  getU8(p: number, n: number): Uint8Array {
    return this.u8.slice(p, p + n);
  }
}

/** Float32 storage of a kernel input, or null (other dtypes fall back to the reference). */
function f32(be: WasmBackend, t: TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = be.values(t);
  return v instanceof Float32Array ? v : null;
}

// Operand kinds of wasm/kernels.ts's binary/compare: full, row, scalar, column.
const FULL = 0;
const ROW = 1;
const SCALAR = 2;
const COL = 3;

/**
 * How out = f(a, b) maps onto the kernels' [rows × inner] loop, or null when the broadcast
 * pattern is not one they handle: [aKind, bKind, rows, inner, outShape].
 */
export function broadcastPlan(aShape: readonly number[], bShape: readonly number[]): [number, number, number, number, number[]] | null {
  const out = broadcastShapes(aShape, bShape);
  const n = sizeFromShape(out);
  const rank = out.length;
  const align = (s: readonly number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const as = align(aShape);
  const bs = align(bShape);
  const kindAt = (s: number[], t: number): number => {
    const size = sizeFromShape(s);
    if (size === n) return FULL;
    if (size === 1) return SCALAR;
    if (s.every((d, i) => (i < t ? d === 1 : d === out[i]))) return ROW;
    if (s.every((d, i) => (i < t ? d === out[i] : d === 1))) return COL;
    return -1;
  };
  for (let t = 0; t <= rank; t++) {
    const ak = kindAt(as, t);
    const bk = kindAt(bs, t);
    if (ak < 0 || bk < 0) continue;
    const inner = sizeFromShape(out.slice(t));
    if (inner === 0) return [ak, bk, 0, 0, out];
    return [ak, bk, n / inner, inner, out];
  }
  return null;
}

/** Products of at least this many multiply-adds (m·n·k) go to the worker threads. */
const PARALLEL_MIN = 1 << 20;

function wasmKernels(k: WasmKernels, arena: Arena, slot: ThreadSlot): Record<string, KernelFunc> {
  /** One product in the module: on the worker threads when it is large and they are up (same bits). */
  /**
   * `post(ar, mod, pc)`: run in the same module memory after the product (before C is copied
   * out), e.g. a fused bias add and relu on C in place.
   */
  const gemmThen = (m: number, n: number, kk: number, ta: boolean, tb: boolean, aLen: number, bLen: number,
    fillA: (v: Float32Array, o: number) => void, fillB: (v: Float32Array, o: number) => void,
    post: ((ar: Arena, mod: WasmKernels, pc: number) => void) | null): Float32Array => {
    const threads = slot.threads;
    const big = m * n * kk >= PARALLEL_MIN && n >= 16;
    if (big && threads === null && slot.unavailable !== null) {
      sayOnce('wasm-threads', `idem wasm backend: running on 1 thread: ${slot.unavailable}. Results are the same bits on any number of threads.`);
      slot.unavailable = null;
    }
    const parallel = threads !== null && big && threads.ready;
    const ar = parallel ? slot.arena! : arena;
    ar.reset();
    const pa = ar.alloc(aLen * 4);
    fillA(ar.f32, pa >> 2);
    const pb = ar.alloc(bLen * 4);
    fillB(ar.f32, pb >> 2);
    const pc = ar.alloc(m * n * 4);
    const wsBytes = (k.gemmWorkspace() + 63) & ~63;
    // op(B) packed once, then C (both in chunks over the threads).
    const packed = ar.alloc(k.gemmPackedBBytes(n, kk));
    if (parallel) {
      slot.threaded++;
      threads!.gemm(pa, pb, packed, pc, m, n, kk, ta ? 1 : 0, tb ? 1 : 0, ar.alloc(wsBytes * (threads!.workers + 1)), wsBytes);
    } else {
      k.gemmPackB(pb, n, kk, tb ? 1 : 0, packed, 0, n);
      k.gemmBlock(pa, packed, pc, m, n, kk, ta ? 1 : 0, ar.alloc(wsBytes), 0, m, 0, n);
    }
    if (post) post(ar, parallel ? threads!.kernels : k, pc);
    return ar.getF32(pc, m * n);
  };
  const gemm: GemmCall = (m, n, kk, ta, tb, aLen, bLen, fillA, fillB) => gemmThen(m, n, kk, ta, tb, aLen, bLen, fillA, fillB, null);
  const binary = (name: string, op: number, compare: boolean): KernelFunc => {
    const fallback = referenceKernels[name]!;
    return (args: KernelArgs) => {
      const be = args.backend as WasmBackend;
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const av = f32(be, a);
      const bv = f32(be, b);
      const plan = av && bv ? broadcastPlan(a.shape, b.shape) : null;
      if (!plan) return fallback(args);
      const [ak, bk, rows, inner, outShape] = plan;
      const n = rows * inner;
      if (n === 0) return be.make(compare ? new Uint8Array(0) : new Float32Array(0), outShape, compare ? 'bool' : 'float32');
      arena.reset();
      const pa = arena.putF32(av!);
      const pb = arena.putF32(bv!);
      const po = arena.alloc(compare ? n : n * 4);
      if (compare) {
        k.compare(op, pa, ak, pb, bk, po, rows, inner);
        return be.make(arena.getU8(po, n), outShape, 'bool');
      }
      k.binary(op, pa, ak, pb, bk, po, rows, inner);
      return be.make(arena.getF32(po, n), outShape, 'float32');
    };
  };
  const unary = (name: string, op: number): KernelFunc => {
    const fallback = referenceKernels[name]!;
    return (args: KernelArgs) => {
      const be = args.backend as WasmBackend;
      const x = args.inputs['x']!;
      const xv = f32(be, x);
      if (!xv) return fallback(args);
      arena.reset();
      const px = arena.putF32(xv);
      k.unary(op, px, px, xv.length); // in place: the copy is ours
      return be.make(arena.getF32(px, xv.length), x.shape, 'float32');
    };
  };
  const refBroadcastTo = referenceKernels['BroadcastTo']!;
  /** Sum, or Mean (float64 sum divided by the count, as the reference), over contiguous axes. */
  const reduce = (name: string, mean: boolean): KernelFunc => {
    const fallback = referenceKernels[name]!;
    return (args) => {
      const be = args.backend as WasmBackend;
      const x = args.inputs['x']!;
      const xv = f32(be, x);
      const g = xv ? contiguousReduceGeometry(x.shape, args.attrs['axes'] as number[], args.attrs['keepDims'] === true) : null;
      if (!g) return fallback(args);
      const { outer, mid, inner, outShape } = g;
      const size = outer * inner;
      if (mean && mid === 0 && size > 0) return fallback(args); // 0/0
      if (size === 0 || mid === 0) return be.make(new Float32Array(size), outShape, 'float32');
      arena.reset();
      const px = arena.putF32(xv!);
      const po = arena.alloc(size * 4);
      const acc = arena.alloc(inner * 8);
      k.sum(px, po, outer, mid, inner, acc, mean ? mid : 1);
      return be.make(arena.getF32(po, size), outShape, 'float32');
    };
  };
  const refSelect = referenceKernels['Select']!;
  const refBatchMatMul = referenceKernels['BatchMatMul']!;
  const kernelsHere: Record<string, KernelFunc> = {
    Add: binary('Add', 0, false),
    Sub: binary('Sub', 1, false),
    Mul: binary('Mul', 2, false),
    Div: binary('Div', 3, false),
    Maximum: binary('Maximum', 4, false),
    Minimum: binary('Minimum', 5, false),
    SquaredDifference: binary('SquaredDifference', 6, false),
    Greater: binary('Greater', 0, true),
    GreaterEqual: binary('GreaterEqual', 1, true),
    Less: binary('Less', 2, true),
    LessEqual: binary('LessEqual', 3, true),
    Equal: binary('Equal', 4, true),
    NotEqual: binary('NotEqual', 5, true),
    Relu: unary('Relu', 0),
    Neg: unary('Neg', 1),
    Abs: unary('Abs', 2),
    Sqrt: unary('Sqrt', 3),
    Square: unary('Square', 4),
    Select: (args) => {
      const be = args.backend as WasmBackend;
      const { condition, t, e } = args.inputs as { condition: TensorInfo; t: TensorInfo; e: TensorInfo };
      const tv = f32(be, t);
      const ev = f32(be, e);
      const cv = be.values(condition);
      const n = cv.length;
      const outShape = broadcastShapes(broadcastShapes(condition.shape, t.shape), e.shape);
      if (!tv || !ev || !(cv instanceof Uint8Array) || sizeFromShape(outShape) !== n || outShape.length !== condition.shape.length ||
          (tv.length !== n && tv.length !== 1) || (ev.length !== n && ev.length !== 1)) return refSelect(args);
      if (n === 0) return be.make(new Float32Array(0), outShape, 'float32');
      arena.reset();
      const pc = arena.putU8(cv);
      const pt = arena.putF32(tv);
      const pe = arena.putF32(ev);
      const po = arena.alloc(n * 4);
      k.select(pc, pt, tv.length === 1 && n !== 1 ? 1 : 0, pe, ev.length === 1 && n !== 1 ? 1 : 0, po, n);
      return be.make(arena.getF32(po, n), outShape, 'float32');
    },
    Sum: reduce('Sum', false),
    Mean: reduce('Mean', true),
    BroadcastTo: (args) => {
      const be = args.backend as WasmBackend;
      const x = args.inputs['x']!;
      const shape = (args.attrs['shape'] as number[]).slice();
      const plan = broadcastPlan(x.shape, shape);
      if (!plan || plan[4].length !== shape.length || plan[4].some((d, i) => d !== shape[i])) return refBroadcastTo(args);
      const [kind, , rows, inner] = plan;
      const xv = be.values(x);
      const out = be.alloc(x.dtype, rows * inner);
      if (rows * inner > 0) {
        if (kind === FULL) out.set(xv);
        else if (kind === SCALAR) out.fill(xv[0]!);
        else for (let r = 0; r < rows; r++) {
          if (kind === ROW) out.set(xv, r * inner);
          else out.fill(xv[r]!, r * inner, (r + 1) * inner);
        }
      }
      return be.make(out, shape, x.dtype);
    },
    Dropout: (args) => {
      const be = args.backend as WasmBackend;
      const x = args.inputs['x']!;
      const xv = f32(be, x);
      if (!xv) throw new IdemError(`wasm Dropout: expected float32 x, got ${x.dtype}`);
      const rate = args.attrs['rate'] as number;
      const stream = args.attrs['stream'] as number;
      const n = xv.length;
      if (n === 0) return [be.make(new Float32Array(0), x.shape, 'float32'), be.make(new Float32Array(0), x.shape, 'float32')];
      arena.reset();
      const px = arena.putF32(xv);
      const py = arena.alloc(n * 4);
      const pm = arena.alloc(n * 4);
      k.dropout(px, py, pm, n, (args.attrs['key0'] as number) >>> 0, (args.attrs['key1'] as number) >>> 0, stream >>> 0,
        Math.floor(stream / 4294967296) >>> 0, rate, Math.fround(1 / (1 - rate)));
      return [be.make(arena.getF32(py, n), x.shape, 'float32'), be.make(arena.getF32(pm, n), x.shape, 'float32')];
    },
    AdamUpdate: optimizerKernel(k, arena, 'AdamUpdate'),
    SGDUpdate: optimizerKernel(k, arena, 'SGDUpdate'),
    RMSpropUpdate: optimizerKernel(k, arena, 'RMSpropUpdate'),
    // act(op(a)·op(b) + bias) with act 'linear' | 'relu', rank-2 float32, bias [n]: the
    // BatchMatMul product, then the Add kernel's row-broadcast add and the Relu kernel's relu on C
    // in place, before it leaves the module (src/ops/fused_mat_mul.ts: the composition's bits).
    _FusedMatMul: (args) => {
      const be = args.backend as WasmBackend;
      const a = args.inputs['a']!;
      const b = args.inputs['b']!;
      const bias = args.inputs['bias'];
      const av = f32(be, a);
      const bv = f32(be, b);
      const cv = bias ? f32(be, bias) : null;
      if (!av || !bv || (bias && !cv) || a.shape.length !== 2 || b.shape.length !== 2) throw new IdemError('wasm _FusedMatMul: expected rank-2 float32 operands and a float32 bias');
      const ta = args.attrs['transposeA'] === true;
      const tb = args.attrs['transposeB'] === true;
      const relu = args.attrs['activation'] === 'relu';
      const m = a.shape[ta ? 1 : 0]!;
      const kk = a.shape[ta ? 0 : 1]!;
      const n = b.shape[tb ? 0 : 1]!;
      if (kk !== b.shape[tb ? 1 : 0] || (cv && cv.length !== n)) throw new IdemError(`wasm _FusedMatMul: shapes [${a.shape}] · [${b.shape}] with bias [${bias?.shape ?? ''}] do not match`);
      if (m * n === 0) return be.make(new Float32Array(0), [m, n], 'float32');
      if (kk === 0) {
        // A product over nothing is zeros; the bias and relu still apply (through the composition's kernels).
        const z = be.make(new Float32Array(m * n), [m, n], 'float32');
        let y = cv ? kernelsHere['Add']!({ inputs: { a: z, b: bias! }, attrs: {}, backend: be }) as TensorInfo : z;
        if (relu) y = kernelsHere['Relu']!({ inputs: { x: y }, attrs: {}, backend: be }) as TensorInfo;
        return y;
      }
      const out = gemmThen(m, n, kk, ta, tb, m * kk, kk * n, (v, o) => v.set(av, o), (v, o) => v.set(bv, o), cv || relu ? (ar, mod, pc) => {
        if (cv) mod.binary(0, pc, FULL, ar.putF32(cv), n === m * n ? FULL : ROW, pc, m, n);
        if (relu) mod.unary(0, pc, pc, m * n);
      } : null);
      return be.make(out, [m, n], 'float32');
    },
    // Relu's gradient y > 0 ? dy : +0 — the Greater (against a scalar 0) and Select kernels in one module session.
    _ReluGrad: (args) => {
      const be = args.backend as WasmBackend;
      const dy = args.inputs['dy']!;
      const y = args.inputs['y']!;
      const dv = f32(be, dy);
      const yv = f32(be, y);
      if (!dv || !yv || dv.length !== yv.length) throw new IdemError('wasm _ReluGrad: dy and y must be float32 of one shape');
      const n = dv.length;
      if (n === 0) return be.make(new Float32Array(0), dy.shape, 'float32');
      arena.reset();
      const py = arena.putF32(yv);
      const pz = arena.putF32(ZERO);
      const pc = arena.alloc(n);
      k.compare(0, py, FULL, pz, SCALAR, pc, 1, n);
      const pd = arena.putF32(dv);
      const po = arena.alloc(n * 4);
      k.select(pc, pd, 0, pz, n === 1 ? 0 : 1, po, n);
      return be.make(arena.getF32(po, n), dy.shape, 'float32');
    },
    // Dropout's gradient (dy · mask) · scale: the two Mul kernels in one module session.
    _DropoutGrad: (args) => {
      const be = args.backend as WasmBackend;
      const dy = args.inputs['dy']!;
      const dv = f32(be, dy);
      const mv = f32(be, args.inputs['mask']!);
      if (!dv || !mv || dv.length !== mv.length) throw new IdemError('wasm _DropoutGrad: dy and mask must be float32 of one shape');
      const n = dv.length;
      if (n === 0) return be.make(new Float32Array(0), dy.shape, 'float32');
      arena.reset();
      const pd = arena.putF32(dv);
      const pm = arena.putF32(mv);
      const ps = arena.putF32(new Float32Array([args.attrs['scale'] as number]));
      k.binary(2, pd, FULL, pm, FULL, pd, 1, n);
      k.binary(2, pd, FULL, ps, n === 1 ? FULL : SCALAR, pd, 1, n);
      return be.make(arena.getF32(pd, n), dy.shape, 'float32');
    },
    BatchMatMul: (args) => {
      const be = args.backend as WasmBackend;
      const a = args.inputs['a']!;
      const b = args.inputs['b']!;
      const av = f32(be, a);
      const bv = f32(be, b);
      if (!av || !bv) return refBatchMatMul(args);
      const { ta, tb, ba, bb, batch, m, k: kk, n } = matMulGeometry(args);
      const size = batch * m * n;
      if (size === 0 || kk === 0) return be.make(new Float32Array(size), [batch, m, n], 'float32');
      if (batch === 1) return be.make(gemm(m, n, kk, ta, tb, m * kk, kk * n, (v, o) => v.set(av, o), (v, o) => v.set(bv, o)), [1, m, n], 'float32');
      const out = new Float32Array(size);
      for (let p = 0; p < batch; p++) {
        const oa = ba === 1 ? 0 : p * m * kk;
        const ob = bb === 1 ? 0 : p * kk * n;
        out.set(gemm(m, n, kk, ta, tb, m * kk, kk * n, (v, o) => v.set(av.subarray(oa, oa + m * kk), o), (v, o) => v.set(bv.subarray(ob, ob + kk * n), o)), p * m * n);
      }
      return be.make(out, [batch, m, n], 'float32');
    },
    ...convKernels(gemm, referenceKernels),
  };
  return kernelsHere;
}

const ZERO = new Float32Array([0]);

/**
 * The fused optimizer kernels `AdamUpdate`, `SGDUpdate`, `RMSpropUpdate` (src/core/kernels.ts;
 * the step src/optimizers/optimizer.ts runs when the backend has it), each on the module's
 * function of that algorithm (wasm/kernels.ts adam, sgd, rmsprop) with its named attributes;
 * outputs per variable [x', slots'…]. Each variable runs through the module on its own.
 */
function optimizerKernel<K extends OptimizerKernelName>(k: WasmKernels, arena: Arena, kernel: K): KernelFunc {
  return (args) => {
    const be = args.backend as WasmBackend;
    const { attrs, vars } = optimizerKernelArgs(kernel, args.inputs, args.attrs);
    const result: TensorInfo[] = [];
    vars.forEach((v, i) => {
      const tensors = [v.g, v.x, ...v.slots];
      const arrays = tensors.map((t) => {
        if (t === null) return null;
        const a = f32(be, t);
        if (!a) throw new IdemError(`wasm ${kernel}: expected float32 tensors, got ${t.dtype}`);
        return a;
      });
      const n = arrays[1]!.length;
      if (arrays.some((a) => a !== null && a.length !== n)) throw new IdemError(`wasm ${kernel}: variable ${i}: arrays of different lengths`);
      const nOut = 1 + v.slots.filter((s) => s !== null).length;
      if (n === 0) {
        for (let j = 0; j < nOut; j++) result.push(be.make(new Float32Array(0), v.x.shape, 'float32'));
        return;
      }
      arena.reset();
      // Module pointers: inputs [g, x, slot…] and outputs [x', slot'…], 0 for an unused slot.
      const ins = arrays.map((a) => (a === null ? 0 : arena.putF32(a)));
      const outs = [v.x, ...v.slots].map((t) => (t === null ? 0 : arena.alloc(n * 4)));
      const [g, x] = ins as [number, number];
      if (kernel === 'AdamUpdate') {
        const a = attrs as OptimizerKernelAttrs['AdamUpdate'];
        k.adam(n, g, x, ins[2]!, ins[3]!, outs[0]!, outs[1]!, outs[2]!, 1 - a.beta1, 1 - a.beta2, a.alpha, a.epsilon);
      } else if (kernel === 'SGDUpdate') {
        const a = attrs as OptimizerKernelAttrs['SGDUpdate'];
        const kind = a.momentum === 0 ? 0 : a.nesterov ? 2 : 1;
        k.sgd(n, kind, g, x, ins[2]!, outs[0]!, outs[1]!, a.learningRate, a.momentum);
      } else {
        const a = attrs as OptimizerKernelAttrs['RMSpropUpdate'];
        k.rmsprop(n, g, x, ins[2]!, ins[3]!, ins[4]!, outs[0]!, outs[1]!, outs[2]!, outs[3]!, a.rho, 1 - a.rho, a.learningRate, a.epsilon,
          a.centered ? 1 : 0, a.momentum > 0 ? 1 : 0, a.momentum);
      }
      for (const o of outs) if (o !== 0) result.push(be.make(arena.getF32(o, n), v.x.shape, 'float32'));
    });
    return result;
  };
}

/** Names of the kernels this backend runs in WebAssembly (the rest are the reference ones). */
export const WASM_KERNELS = [
  'BatchMatMul', 'Add', 'Sub', 'Mul', 'Div', 'Maximum', 'Minimum', 'SquaredDifference',
  'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'Equal', 'NotEqual',
  'Relu', 'Neg', 'Abs', 'Sqrt', 'Square', 'Select', 'Sum', 'Mean', 'BroadcastTo', 'Dropout', 'AdamUpdate', 'SGDUpdate', 'RMSpropUpdate',
  '_FusedMatMul', '_ReluGrad', '_DropoutGrad',
  'Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter',
] as const;

export class WasmBackend extends PooledBackend {
  override readonly kernels: Readonly<Record<string, KernelFunc>>;

  /**
   * `threads`: the worker pool for large products (null: one thread). Results do not depend
   * on it.
   */
  constructor(readonly wasm: WasmKernels, threads: GemmThreads | null = null) {
    super({ name: 'wasm' }, null, true);
    this.slot = { threads, arena: threads ? new Arena(threads.kernels, this.out) : null, unavailable: null, threaded: 0 };
    this.kernels = { ...referenceKernels, ...wasmKernels(wasm, new Arena(wasm, this.out), this.slot) };
  }

  private readonly slot: ThreadSlot;
  private readonly out = (n: number): Float32Array => this.allocF32(n);

  /** The worker pool for large products (null: one thread). */
  get threads(): GemmThreads | null {
    return this.slot.threads;
  }

  /** How many products have run on the worker threads (for tests and benchmarks). */
  get threadedProducts(): number {
    return this.slot.threaded;
  }

  /**
   * Replaces the worker pool (the old one is stopped); `unavailable`: why there is none when
   * more than one thread was asked for (said once, at the first large product). Results do not
   * depend on it.
   */
  setThreads(threads: GemmThreads | null, unavailable: string | null = null): void {
    if (this.slot.threads && this.slot.threads !== threads) this.slot.threads.stop();
    this.slot.threads = threads;
    this.slot.arena = threads ? new Arena(threads.kernels, this.out) : null;
    this.slot.unavailable = threads ? null : unavailable;
  }
}
