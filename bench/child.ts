/**
 * One benchmark measurement in its own process (so its peak RSS is its own):
 *
 *   node --import tsx bench/child.ts <impl> <workload> '<options json>'
 *
 * impl: idem-native, idem-native-1t, idem-wasm, idem-reference, tfjs-wasm, tfjs-cpu.
 * Prints one line `RESULT {json}` (a WorkloadResult plus maxRssMB and the backend's name).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { runWorkload, type Lib, type WorkloadOptions } from './workloads.ts';

async function idem(backend: string): Promise<Lib> {
  const tf = await import('../src/index.ts');
  if (!(await tf.setBackend(backend))) throw new Error(`idem backend '${backend}' is not available here`);
  if (tf.getBackend() !== backend) throw new Error(`idem backend '${backend}' did not become current (got ${tf.getBackend()})`);
  return { tf, logitsLoss: tf.kerasLosses.categoricalCrossentropy({ fromLogits: true }) };
}

async function tfjs(backend: 'cpu' | 'wasm'): Promise<Lib> {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/';
    wasm.setWasmPaths(dist);
    wasm.setThreadsCount(1);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' failed to initialise`);
  await tf.ready();
  const logitsLoss = (yTrue: unknown, yPred: unknown) => tf.losses.softmaxCrossEntropy(yTrue as never, yPred as never);
  return { tf, logitsLoss };
}

async function main(): Promise<void> {
  const [impl, workload, json] = process.argv.slice(2);
  if (!impl || !workload || !json) throw new Error('usage: bench/child.ts <impl> <workload> <options json>');
  const o = JSON.parse(json) as WorkloadOptions;
  let lib: Lib;
  if (impl === 'idem-native' || impl === 'idem-native-1t') lib = await idem('native');
  else if (impl === 'idem-wasm') lib = await idem('wasm');
  else if (impl === 'idem-reference') lib = await idem('reference');
  else if (impl === 'tfjs-wasm') lib = await tfjs('wasm');
  else if (impl === 'tfjs-cpu') lib = await tfjs('cpu');
  else throw new Error(`bench: unknown implementation ${impl}`);
  const result = await runWorkload(lib, workload, o);
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  console.log('RESULT ' + JSON.stringify({ ...result, maxRssMB }));
}

main().catch((e: unknown) => {
  console.log('RESULT ' + JSON.stringify({ error: String((e as Error)?.message ?? e).split('\n')[0] }));
  process.exitCode = 1;
});
