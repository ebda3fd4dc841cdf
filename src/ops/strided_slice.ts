/**
 * stridedSlice(x, begin, end, strides?, beginMask, endMask, ellipsisMask, newAxisMask,
 * shrinkAxisMask): Python-style `x[b0:e0:s0, b1:e1:s1, ...]` with TensorFlow's masks.
 *
 * On an axis of size n with stride s (≠ 0): negative begin/end count from the end; a set
 * beginMask/endMask bit means "from the start / to the end" in the stride's direction; begin and
 * end are clamped to [0, n] (s > 0) or [-1, n-1] (s < 0); the axis keeps ceil((e - b)/s) ≥ 0
 * elements b, b+s, .... An ellipsis bit stands for as many full axes as needed; a newAxis bit
 * inserts a size-1 axis; a shrinkAxis bit takes the single element `begin` and drops the axis.
 * Axes past the spec are kept whole. Gradient: scatter dy into zeros at the sliced positions.
 */
import { ENGINE } from '../core/engine.ts';
import { fail, fmtShape } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import { convertToTensor, type TensorLike } from './convert.ts';
import { op } from './op.ts';
import { reshape } from './reshape.ts';
import { intList } from './slice.ts';

const NAME = 'stridedSlice';

export const stridedSlice = op(
  NAME,
  (
    x: TensorLike,
    begin: number[],
    end: number[],
    strides?: number[],
    beginMask = 0,
    endMask = 0,
    ellipsisMask = 0,
    newAxisMask = 0,
    shrinkAxisMask = 0,
  ): Tensor => {
    const $x = convertToTensor(x, 'x', NAME);
    const shape = $x.shape;
    const rank = $x.rank;
    const b = intList(begin, 'begin', NAME);
    const e = intList(end, 'end', NAME);
    const st = strides === undefined || strides === null ? b.map(() => 1) : intList(strides, 'strides', NAME);
    if (e.length !== b.length || st.length !== b.length) {
      fail(NAME, `\`begin\`, \`end\` and \`strides\` must have the same length, received ${b.length}, ${e.length} and ${st.length}`);
    }
    for (const [nm, m] of [['beginMask', beginMask], ['endMask', endMask], ['ellipsisMask', ellipsisMask], ['newAxisMask', newAxisMask], ['shrinkAxisMask', shrinkAxisMask]] as const) {
      if (!Number.isInteger(m) || m < 0) fail(NAME, `\`${nm}\` must be a non-negative integer bit mask, received ${m}`);
    }
    if ((ellipsisMask & (ellipsisMask - 1)) !== 0) fail(NAME, `\`ellipsisMask\` may have at most one bit set, received ${ellipsisMask}`);
    const bit = (m: number, i: number): boolean => ((m >>> i) & 1) === 1;
    const L = b.length;
    let consuming = 0;
    let hasEllipsis = false;
    for (let i = 0; i < L; i++) {
      if (bit(ellipsisMask, i)) hasEllipsis = true;
      else if (!bit(newAxisMask, i)) consuming++;
    }
    if (consuming > rank) fail(NAME, `the slice spec indexes ${consuming} axes but x ${fmtShape(shape)} has rank ${rank}`);

    // Per input axis: begin, stride, count. Final shape: built alongside.
    const kBegin: number[] = [];
    const kStride: number[] = [];
    const kSize: number[] = [];
    const finalShape: number[] = [];
    const full = (): void => {
      const d = kBegin.length;
      kBegin.push(0);
      kStride.push(1);
      kSize.push(shape[d]!);
      finalShape.push(shape[d]!);
    };
    for (let i = 0; i < L; i++) {
      if (bit(ellipsisMask, i)) {
        const n = rank - consuming;
        for (let k = 0; k < n; k++) full();
        continue;
      }
      if (bit(newAxisMask, i)) {
        finalShape.push(1);
        continue;
      }
      const d = kBegin.length;
      const n = shape[d]!;
      const s = st[i]!;
      if (bit(shrinkAxisMask, i)) {
        const j = b[i]! < 0 ? b[i]! + n : b[i]!;
        if (j < 0 || j >= n) fail(NAME, `\`begin[${i}]\` = ${b[i]} is out of range for shrinking axis ${d} of size ${n} (x ${fmtShape(shape)})`);
        kBegin.push(j);
        kStride.push(1);
        kSize.push(1);
        continue;
      }
      if (s === 0) fail(NAME, `\`strides[${i}]\` must be non-zero, received 0`);
      const [lo, hi] = s > 0 ? [0, n] : [-1, n - 1];
      const clamp = (v: number): number => Math.min(hi, Math.max(lo, v));
      const bb = bit(beginMask, i) ? (s > 0 ? 0 : n - 1) : clamp(b[i]! < 0 ? b[i]! + n : b[i]!);
      const ee = bit(endMask, i) ? (s > 0 ? n : -1) : clamp(e[i]! < 0 ? e[i]! + n : e[i]!);
      const count = s > 0 ? Math.max(0, Math.ceil((ee - bb) / s)) : Math.max(0, Math.ceil((bb - ee) / -s));
      kBegin.push(count > 0 ? bb : 0);
      kStride.push(s);
      kSize.push(count);
      finalShape.push(count);
    }
    // Implicit trailing ellipsis.
    if (!hasEllipsis) while (kBegin.length < rank) full();
    const y = ENGINE.runKernel('StridedSlice', { x: $x }, { begin: kBegin, strides: kStride, size: kSize });
    return reshape(y, finalShape);
  },
);

ENGINE.registerGradient('StridedSlice', (dy, { inputs, attrs }) => ({
  x: () => ENGINE.runKernel('StridedSliceGrad', { dy }, { shape: inputs['x']!.shape.slice(), begin: attrs['begin'], strides: attrs['strides'] }),
}));

// StridedSliceGrad is linear; its adjoint is StridedSlice with the same begin/strides.
ENGINE.registerGradient('StridedSliceGrad', (ddx, { inputs, attrs }) => ({
  dy: () => ENGINE.runKernel('StridedSlice', { x: ddx }, { begin: attrs['begin'], strides: attrs['strides'], size: inputs['dy']!.shape.slice() }),
}));
