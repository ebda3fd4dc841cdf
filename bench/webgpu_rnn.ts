/**
 * A W7-shaped training step (Embedding(10000, 128) → LSTM(128) → Dense(1, sigmoid), batch 64,
 * sequences of 100 token ids, binary cross-entropy, Adam; bench/sequence.ts's W7) on the webgpu
 * backend, with the fused recurrent kernels (`_RNNSequence` / `_RNNSequenceGrad`) and without
 * them (the op-by-op composition), steps interleaved (fused, composition, fused, …) on two
 * models with the same initial weights: ms per `trainOnBatchAsync` step (wall clock, the loss
 * read back each step, and the process's CPU time: SwiftShader runs in it), and the GPU dispatches, submissions and pipelines per step from the
 * backend's own counters. Smaller shapes with --batch / --seq / --units / --steps; --no-embedding
 * feeds the LSTM float sequences [batch, seq, embed] directly (on webgpu the Embedding's gradient,
 * an UnsortedSegmentSum over the 10000-row table, costs more than the LSTM: this isolates it):
 *   node --import tsx bench/webgpu_rnn.ts [--batch 64] [--seq 100] [--units 128] [--embed 128] [--steps 3] [--no-embedding]
 */
import * as tf from '../src/index.ts';
import { webgpuBackend } from '../test/webgpu_util.ts';
import { ints } from './sequence.ts';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const batch = arg('batch', 64);
const seq = arg('seq', 100);
const units = arg('units', 128);
const embed = arg('embed', 128);
const steps = arg('steps', 3);
const vocab = 10000;
const embedding = !process.argv.includes('--no-embedding');

// (test/webgpu_util.ts sets VK_ICD_FILENAMES to Debian chromium's SwiftShader driver when unset)
const be = await webgpuBackend();
if (typeof be === 'string') {
  console.log(`no WebGPU adapter: ${be}`);
  process.exit(0);
}
await tf.setBackend('webgpu');
const table = be.kernels as Record<string, tf.KernelFunc>;
const fusedKernels = { _RNNSequence: table['_RNNSequence']!, _RNNSequenceGrad: table['_RNNSequenceGrad']! };

function model(): tf.Sequential {
  tf.setSeed(7);
  tf.resetLayerNames();
  const m = tf.sequential();
  if (embedding) {
    m.add(tf.layers.embedding({ inputDim: vocab, outputDim: embed, inputShape: [seq] }));
    m.add(tf.layers.lstm({ units }));
  } else m.add(tf.layers.lstm({ units, inputShape: [seq, embed] }));
  m.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  m.compile({ optimizer: tf.train.adam(1e-3), loss: 'binaryCrossentropy' });
  return m;
}

const models = { fused: model(), composition: model() };
interface Stat { ms: number[]; cpu: number[]; dispatches: number; submits: number; loss: number[] }
const stats: Record<string, Stat> = { fused: { ms: [], cpu: [], dispatches: 0, submits: 0, loss: [] }, composition: { ms: [], cpu: [], dispatches: 0, submits: 0, loss: [] } };

async function step(kind: 'fused' | 'composition', s: number, timed: boolean): Promise<void> {
  if (kind === 'fused') Object.assign(table, fusedKernels);
  else for (const k of Object.keys(fusedKernels)) delete table[k];
  const x = embedding
    ? tf.tensor(Float32Array.from(ints(batch * seq, 7000 + s, vocab)), [batch, seq])
    : tf.tensor(Float32Array.from(ints(batch * seq * embed, 7000 + s, 2001), (v) => v / 1000 - 1), [batch, seq, embed]);
  const y = tf.tensor(Float32Array.from(ints(batch, 7100 + s, 2)), [batch, 1]);
  await be.sync();
  const m0 = be.memory();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const l = (await models[kind].trainOnBatchAsync(x, y)) as number;
  await be.sync();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1000;
  const m1 = be.memory();
  tf.dispose([x, y]);
  const st = stats[kind]!;
  st.loss.push(l);
  if (!timed) return;
  st.ms.push(ms);
  st.cpu.push(cpu);
  st.dispatches = m1.dispatches - m0.dispatches;
  st.submits = m1.submits - m0.submits;
  console.log(`${kind} step ${s}: ${ms.toFixed(0)} ms (CPU ${cpu.toFixed(0)} ms, SwiftShader's threads included), ${st.dispatches} dispatches, ${st.submits} submissions, loss ${l}`);
}

const adapter = `${be.adapterInfo.description ?? be.adapterInfo.vendor ?? 'adapter'}${be.isFallbackAdapter ? ', fallback adapter' : ''}`;
console.log(`W7-shaped step on webgpu (${adapter}): batch ${batch}, seq ${seq}, embed ${embed}, units ${units}${embedding ? '' : ', no Embedding layer'}`);
for (let s = 0; s <= steps; s++) {
  for (const kind of ['fused', 'composition'] as const) await step(kind, s, s > 0);
}
Object.assign(table, fusedKernels);
const median = (v: number[]): number => {
  const o = [...v].sort((a, b) => a - b);
  const h = Math.floor(o.length / 2);
  return o.length % 2 ? o[h]! : (o[h - 1]! + o[h]!) / 2;
};
const f = stats['fused']!;
const c = stats['composition']!;
console.log(`\n| W7-shaped step, webgpu | fused _RNNSequence | composition | ratio |\n|---|---|---|---|`);
console.log(`| ms per step (median of ${steps}) | ${median(f.ms).toFixed(0)} | ${median(c.ms).toFixed(0)} | ${(median(c.ms) / median(f.ms)).toFixed(2)}× |`);
console.log(`| CPU ms per step (median; SwiftShader runs in this process) | ${median(f.cpu).toFixed(0)} | ${median(c.cpu).toFixed(0)} | ${(median(c.cpu) / median(f.cpu)).toFixed(2)}× |`);
console.log(`| dispatches per step | ${f.dispatches} | ${c.dispatches} | ${(c.dispatches / f.dispatches).toFixed(1)}× |`);
console.log(`| submissions per step | ${f.submits} | ${c.submits} | |`);
console.log(`losses fused ${f.loss.join(', ')}\nlosses composition ${c.loss.join(', ')}`);
console.log(`pipelines compiled: ${be.memory().pipelines}; CPU fallbacks: ${JSON.stringify([...be.fallbacks])}`);
process.exit(0);
