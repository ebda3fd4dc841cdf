/**
 * The native backend: the reference backend's storage (`RefData` holding JS typed arrays) and
 * kernels, with the hot kernels replaced by C++ ones from the Node-API addon (native/).
 *
 * BatchMatMul (float32): out[p] = op(a[p]) · op(b[p]) computed by the addon's packed,
 * cache-blocked GEMM (AVX2+FMA micro-kernel when the CPU has it, a portable one otherwise)
 * directly on the inputs' Float32Arrays, written into a new Float32Array (no copies). It
 * accumulates in float32 (with FMA), so it differs from the reference kernel (float64
 * accumulation) by rounding only: relative error ~1e-6·√k; results are identical run to run.
 * int32 BatchMatMul and every other kernel are the reference ones, unchanged.
 */
import type { KernelFunc } from '../../core/backend.ts';
import { ReferenceBackend } from '../reference/backend.ts';
import { kernels as referenceKernels } from '../reference/kernels/index.ts';
import type { NativeAddon } from './loader.ts';

function nativeKernels(addon: NativeAddon): Record<string, KernelFunc> {
  const refBatchMatMul = referenceKernels['BatchMatMul']!;
  return {
    BatchMatMul: (args) => {
      const be = args.backend as NativeBackend;
      const a = args.inputs['a']!;
      const b = args.inputs['b']!;
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return refBatchMatMul(args);
      const av = be.values(a);
      const bv = be.values(b);
      if (!(av instanceof Float32Array) || !(bv instanceof Float32Array)) return refBatchMatMul(args);
      const ta = args.attrs['transposeA'] === true;
      const tb = args.attrs['transposeB'] === true;
      const [ba, a1, a2] = a.shape as [number, number, number];
      const [bb, b1, b2] = b.shape as [number, number, number];
      const m = ta ? a2 : a1;
      const k = ta ? a1 : a2;
      const n = tb ? b1 : b2;
      // A batch of 1 broadcasts; a batch of 0 gives an empty result (NumPy rules).
      const batch = ba === 0 || bb === 0 ? 0 : Math.max(ba, bb);
      const out = new Float32Array(batch * m * n);
      addon.batchMatMul(av, bv, out, batch, ba, bb, m, n, k, ta, tb);
      return be.make(out, [batch, m, n], 'float32');
    },
  };
}

export class NativeBackend extends ReferenceBackend {
  override readonly kernels: Readonly<Record<string, KernelFunc>>;

  constructor(readonly addon: NativeAddon) {
    super({ precision: 'float32', name: 'native' });
    this.kernels = { ...referenceKernels, ...nativeKernels(addon) };
  }
}
