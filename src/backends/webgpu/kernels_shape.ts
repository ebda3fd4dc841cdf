/**
 * Data-movement kernels: `Transpose Slice StridedSlice Reverse SplitV` (one strided-view gather
 * program: out[p] = x[base + Σ idx_d·step_d], steps may be negative), `StridedSliceGrad PadV2
 * Concat` (scatters into a filled output), `Tile GatherV2 OneHot UnsortedSegmentSum`, and the
 * generators `Range LinSpace` (computed on the host: they have no tensor input; the values are
 * uploaded when a kernel first uses them). Exact: values are copied, never computed (except
 * UnsortedSegmentSum's float32 sums, compensated as the reductions).
 */
import type { KernelFunc, TensorInfo } from '../../core/backend.ts';
import type { DataType } from '../../core/dtypes.ts';
import { sizeFromShape, stridesOf } from '../../core/shape.ts';
import { kernels as referenceKernels } from '../reference/kernels/index.ts';
import { RefData } from '../reference/backend.ts';
import { grid1d, MAIN_1D, wgslType, type Program, type WebGPUBackend, type WgslType } from './backend.ts';
import { collapse } from './kernels_elementwise.ts';
import { KAHAN } from './kernels_reduce.ts';

/** out (shape `outShape`) [p] = x[base + Σ idx·steps]. */
export function gatherView(be: WebGPUBackend, x: TensorInfo, base: number, steps: readonly number[], outShape: readonly number[]): TensorInfo {
  const y = be.makeOutput(outShape, x.dtype);
  const n = sizeFromShape(outShape);
  if (n === 0) return y;
  const c = collapse(outShape, [steps.slice()]);
  const r = c.shape.length;
  const t = wgslType(x.dtype);
  const params: [string, WgslType][] = [['n', 'u32'], ['base', 'i32']];
  for (let d = 0; d < r; d++) params.push([`d${d}`, 'u32'], [`s${d}`, 'i32']);
  const values = [n, base];
  for (let d = 0; d < r; d++) values.push(c.shape[d]!, c.strides[0]![d]!);
  let code = '  var rem = gid; var off = p.base;\n';
  for (let d = r - 1; d >= 0; d--) code += `  off = off + i32(rem % p.d${d}) * p.s${d}; rem = rem / p.d${d};\n`;
  const prog: Program = {
    key: `gather:${t}:${r}`,
    inputs: [t],
    outputs: [t],
    params,
    code: () => `${MAIN_1D}  if (gid >= p.n) { return; }\n${code}  out0[gid] = in0[u32(off)];\n}`,
  };
  be.run(prog, [x], [y], values, grid1d(n));
  return y;
}

/** Fills `y` (all of it) with `value`. */
function fill(be: WebGPUBackend, y: TensorInfo, value: number): void {
  const n = sizeFromShape(y.shape);
  if (n === 0) return;
  const t = wgslType(y.dtype);
  const prog: Program = {
    key: `fill:${t}`,
    inputs: [],
    outputs: [t],
    params: [['n', 'u32'], ['v', t]],
    code: () => `${MAIN_1D}  if (gid < p.n) { out0[gid] = p.v; }\n}`,
  };
  be.run(prog, [], [y], [n, value], grid1d(n));
}

/** out[base + Σ idx·steps] = src[p] over src's shape (out already filled). */
function scatterView(be: WebGPUBackend, src: TensorInfo, out: TensorInfo, base: number, steps: readonly number[]): void {
  const n = sizeFromShape(src.shape);
  if (n === 0) return;
  const c = collapse(src.shape, [steps.slice()]);
  const r = c.shape.length;
  const t = wgslType(src.dtype);
  const params: [string, WgslType][] = [['n', 'u32'], ['base', 'i32']];
  for (let d = 0; d < r; d++) params.push([`d${d}`, 'u32'], [`s${d}`, 'i32']);
  const values = [n, base];
  for (let d = 0; d < r; d++) values.push(c.shape[d]!, c.strides[0]![d]!);
  let code = '  var rem = gid; var off = p.base;\n';
  for (let d = r - 1; d >= 0; d--) code += `  off = off + i32(rem % p.d${d}) * p.s${d}; rem = rem / p.d${d};\n`;
  // The output is bound read-write as the program's only output; the source is the input.
  const prog: Program = {
    key: `scatter:${t}:${r}`,
    inputs: [t],
    outputs: [t],
    params,
    code: () => `${MAIN_1D}  if (gid >= p.n) { return; }\n${code}  out0[u32(off)] = in0[gid];\n}`,
  };
  be.run(prog, [src], [out], values, grid1d(n));
}

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);

function onHostGenerator(name: string): KernelFunc {
  // No tensor inputs: the reference kernel's values, kept on the host (uploaded on first use).
  return (args) => {
    const be = args.backend as WebGPUBackend;
    const r = referenceKernels[name]!({ inputs: {}, attrs: args.attrs, backend: be.cpu }) as TensorInfo;
    return be.makeHost((r.dataId as RefData).values!, r.shape, r.dtype);
  };
}

export const shapeKernels: Record<string, KernelFunc> = {
  Transpose: (args) => {
    const x = args.inputs['x']!;
    const perm = args.attrs['perm'] as number[];
    const xs = stridesOf(x.shape);
    return gatherView(args.backend as WebGPUBackend, x, 0, perm.map((p) => xs[p]!), perm.map((p) => x.shape[p]!));
  },
  Slice: (args) => {
    const x = args.inputs['x']!;
    const xs = stridesOf(x.shape);
    return gatherView(args.backend as WebGPUBackend, x, dot(args.attrs['begin'] as number[], xs), xs, args.attrs['size'] as number[]);
  },
  StridedSlice: (args) => {
    const x = args.inputs['x']!;
    const xs = stridesOf(x.shape);
    const strides = args.attrs['strides'] as number[];
    return gatherView(args.backend as WebGPUBackend, x, dot(args.attrs['begin'] as number[], xs), strides.map((s, d) => s * xs[d]!), args.attrs['size'] as number[]);
  },
  Reverse: (args) => {
    const x = args.inputs['x']!;
    const axes = args.attrs['axes'] as number[];
    const xs = stridesOf(x.shape);
    let base = 0;
    const steps = xs.map((s, d) => {
      if (!axes.includes(d)) return s;
      base += (x.shape[d]! - 1) * s;
      return -s;
    });
    return gatherView(args.backend as WebGPUBackend, x, base, steps, x.shape);
  },
  SplitV: (args) => {
    const be = args.backend as WebGPUBackend;
    const x = args.inputs['x']!;
    const sizes = args.attrs['sizes'] as number[];
    const axis = args.attrs['axis'] as number;
    const xs = stridesOf(x.shape);
    let start = 0;
    return sizes.map((n) => {
      const shape = x.shape.slice();
      shape[axis] = n;
      const r = gatherView(be, x, start * xs[axis]!, xs, shape);
      start += n;
      return r;
    });
  },
  StridedSliceGrad: (args) => {
    const be = args.backend as WebGPUBackend;
    const dy = args.inputs['dy']!;
    const shape = args.attrs['shape'] as number[];
    const strides = args.attrs['strides'] as number[];
    const y = be.makeOutput(shape, dy.dtype);
    fill(be, y, 0);
    const os = stridesOf(shape);
    scatterView(be, dy, y, dot(args.attrs['begin'] as number[], os), strides.map((s, d) => s * os[d]!));
    return y;
  },
  PadV2: (args) => {
    const be = args.backend as WebGPUBackend;
    const x = args.inputs['x']!;
    const paddings = args.attrs['paddings'] as [number, number][];
    const outShape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
    const y = be.makeOutput(outShape, x.dtype);
    fill(be, y, args.attrs['constantValue'] as number);
    const os = stridesOf(outShape);
    scatterView(be, x, y, dot(paddings.map((p) => p[0]), os), os);
    return y;
  },
  Concat: (args) => {
    const be = args.backend as WebGPUBackend;
    const axis = args.attrs['axis'] as number;
    const xs: TensorInfo[] = [];
    for (let i = 0; `x${i}` in args.inputs; i++) xs.push(args.inputs[`x${i}`]!);
    const outShape = xs[0]!.shape.slice();
    outShape[axis] = xs.reduce((a, t) => a + t.shape[axis]!, 0);
    const y = be.makeOutput(outShape, xs[0]!.dtype);
    const os = stridesOf(outShape);
    let offset = 0;
    for (const t of xs) {
      scatterView(be, t, y, offset * os[axis]!, os);
      offset += t.shape[axis]!;
    }
    return y;
  },
  Tile: (args) => {
    const be = args.backend as WebGPUBackend;
    const x = args.inputs['x']!;
    const reps = args.attrs['reps'] as number[];
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    const y = be.makeOutput(outShape, x.dtype);
    const n = sizeFromShape(outShape);
    if (n === 0) return y;
    const r = outShape.length;
    const xs = stridesOf(x.shape);
    const t = wgslType(x.dtype);
    const params: [string, WgslType][] = [['n', 'u32']];
    for (let d = 0; d < r; d++) params.push([`o${d}`, 'u32'], [`x${d}`, 'u32'], [`s${d}`, 'u32']);
    const values = [n];
    for (let d = 0; d < r; d++) values.push(outShape[d]!, x.shape[d]!, xs[d]!);
    let code = '  var rem = gid; var off = 0u;\n';
    for (let d = r - 1; d >= 0; d--) code += `  off = off + ((rem % p.o${d}) % p.x${d}) * p.s${d}; rem = rem / p.o${d};\n`;
    const prog: Program = { key: `tile:${t}:${r}`, inputs: [t], outputs: [t], params, code: () => `${MAIN_1D}  if (gid >= p.n) { return; }\n${code}  out0[gid] = in0[off];\n}` };
    be.run(prog, [x], [y], values, grid1d(n));
    return y;
  },
  GatherV2: (args) => {
    const be = args.backend as WebGPUBackend;
    const x = args.inputs['x']!;
    const indices = args.inputs['indices']!;
    const axis = args.attrs['axis'] as number;
    const batchDims = args.attrs['batchDims'] as number;
    const A = x.shape[axis]!;
    const host = be.hostValues(indices);
    // The reference's range check when the indices are on the host (GPU indices out of range read 0).
    if (host) for (let k = 0; k < host.length; k++) if (host[k]! < 0 || host[k]! >= A) return be.cpuKernel('GatherV2', args) as TensorInfo;
    const M = sizeFromShape(x.shape.slice(batchDims, axis));
    const N = sizeFromShape(x.shape.slice(axis + 1));
    const I = sizeFromShape(indices.shape.slice(batchDims));
    const outShape = [...x.shape.slice(0, axis), ...indices.shape.slice(batchDims), ...x.shape.slice(axis + 1)];
    const y = be.makeOutput(outShape, x.dtype);
    const n = sizeFromShape(outShape);
    if (n === 0) return y;
    const t = wgslType(x.dtype);
    const zero = t === 'f32' ? '0.0' : t === 'i32' ? '0' : '0u';
    const prog: Program = {
      key: `gatherV2:${t}:${indices.dtype}`,
      inputs: [t, wgslType(indices.dtype)],
      outputs: [t],
      params: [['n', 'u32'], ['M', 'u32'], ['A', 'u32'], ['N', 'u32'], ['I', 'u32']],
      code: () => `${MAIN_1D}  if (gid >= p.n) { return; }
  let nn = gid % p.N; var q = gid / p.N; let i = q % p.I; q = q / p.I; let m = q % p.M; let b = q / p.M;
  let j = i32(in1[b * p.I + i]);
  if (j < 0 || j >= i32(p.A)) { out0[gid] = ${zero}; return; }
  out0[gid] = in0[((b * p.M + m) * p.A + u32(j)) * p.N + nn];
}`,
    };
    be.run(prog, [x, indices], [y], [n, M, A, N, I], grid1d(n));
    return y;
  },
  UnsortedSegmentSum: (args) => {
    const be = args.backend as WebGPUBackend;
    const x = args.inputs['x']!;
    const ids = args.inputs['segmentIds']!;
    const numSegments = args.attrs['numSegments'] as number;
    const host = be.hostValues(ids);
    if (host) for (let q = 0; q < host.length; q++) if (host[q]! < 0 || host[q]! >= numSegments) return be.cpuKernel('UnsortedSegmentSum', args) as TensorInfo;
    const inner = x.shape.slice(ids.shape.length);
    const N = sizeFromShape(inner);
    const Q = sizeFromShape(ids.shape);
    const y = be.makeOutput([numSegments, ...inner], x.dtype);
    const n = numSegments * N;
    if (n === 0) return y;
    const t = wgslType(x.dtype);
    const f32 = t === 'f32';
    const prog: Program = {
      key: `segsum:${t}:${ids.dtype}`,
      inputs: [t, wgslType(ids.dtype)],
      outputs: [t],
      params: [['n', 'u32'], ['N', 'u32'], ['Q', 'u32']],
      code: () => `${KAHAN}\n${MAIN_1D}  if (gid >= p.n) { return; }
  let s = i32(gid / p.N); let nn = gid % p.N;
  ${f32 ? 'var acc = 0.0; var c = 0.0;' : `var acc = ${t === 'i32' ? '0' : '0u'};`}
  for (var q = 0u; q < p.Q; q++) { if (i32(in1[q]) == s) { ${f32 ? 'kadd_(&acc, &c, in0[q * p.N + nn]);' : 'acc = acc + in0[q * p.N + nn];'} } }
  out0[gid] = ${f32 ? 'acc + c' : 'acc'};
}`,
    };
    be.run(prog, [x, ids], [y], [n, N, Q], grid1d(n));
    return y;
  },
  OneHot: (args) => {
    const be = args.backend as WebGPUBackend;
    const indices = args.inputs['indices']!;
    const depth = args.attrs['depth'] as number;
    const dtype = args.attrs['dtype'] as DataType;
    const y = be.makeOutput([...indices.shape, depth], dtype);
    const n = sizeFromShape(indices.shape) * depth;
    if (n === 0) return y;
    const t = wgslType(dtype);
    const prog: Program = {
      key: `onehot:${t}:${indices.dtype}`,
      inputs: [wgslType(indices.dtype)],
      outputs: [t],
      params: [['n', 'u32'], ['depth', 'u32'], ['on', t], ['off', t]],
      code: () => `${MAIN_1D}  if (gid >= p.n) { return; }\n  let j = i32(in0[gid / p.depth]);\n  out0[gid] = select(p.off, p.on, j == i32(gid % p.depth));\n}`,
    };
    be.run(prog, [indices], [y], [n, depth, args.attrs['onValue'] as number, args.attrs['offValue'] as number], grid1d(n));
    return y;
  },
  Range: onHostGenerator('Range'),
  LinSpace: onHostGenerator('LinSpace'),
};

