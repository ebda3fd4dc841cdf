/**
 * The webgpu conv input-gradient and max-pool-gradient kernels on W3-sized shapes (ms, median of 3
 * after a warm-up, to the GPU finishing), for A/B runs against an older tree:
 *   node --import tsx bench/webgpu_grad_kernels.ts [repo root (default: this one)]
 * e.g. the tree before the 4-channel input gradient and the two-pass max-pool gradient:
 *   mkdir /tmp/old && git archive 84c0b37 src test | tar -x -C /tmp/old && ln -s $PWD/node_modules /tmp/old/
 *   node --import tsx bench/webgpu_grad_kernels.ts /tmp/old
 */

const root = process.argv[2] ?? new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const tf = await import(`${root}/src/index.ts`);
const { webgpuBackend, rand } = await import(`${root}/test/webgpu_util.ts`);
const be = await webgpuBackend();
await tf.setBackend('webgpu');
const T = (shape: number[], seed: number) => tf.tensor(rand(shape.reduce((a: number, b: number) => a * b, 1), seed), shape);
const cases: [string, () => unknown][] = [];
const w2 = T([3, 3, 32, 64], 1), dy2 = T([64, 11, 11, 64], 2);
cases.push(['conv dx [64,13,13,32]<-[64,11,11,64]', () => tf.ENGINE.runKernel('Conv2DBackpropInput', { dy: dy2, filter: w2 }, { strides: [1, 1], pad: [0, 0, 0, 0], dilations: [1, 1], inputShape: [64, 13, 13, 32] })]);
const x1 = T([64, 26, 26, 32], 3), dyp1 = T([64, 13, 13, 32], 4);
cases.push(['maxpool dx [64,26,26,32] 2x2/2', () => tf.ENGINE.runKernel('MaxPoolGrad', { dy: dyp1, x: x1 }, { filterSize: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0], dilations: [1, 1] })]);
const x3 = T([8, 27, 27, 16], 5), dyp3 = T([8, 13, 13, 16], 6);
cases.push(['maxpool dx [8,27,27,16] 3x3/2', () => tf.ENGINE.runKernel('MaxPoolGrad', { dy: dyp3, x: x3 }, { filterSize: [3, 3], strides: [2, 2], pad: [0, 0, 0, 0], dilations: [1, 1] })]);
for (const [name, fn] of cases) {
  const y0 = fn() as { data(): Promise<unknown>; dispose(): void }; await y0.data(); y0.dispose();
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const y = fn() as { data(): Promise<unknown>; dispose(): void };
    await be.sync();
    times.push(performance.now() - t0);
    y.dispose();
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ name, ms: +times[1]!.toFixed(1) }));
}
process.exit(0);
