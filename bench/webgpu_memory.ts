/**
 * GPU memory of a 10,000-step loop on the webgpu backend that never disposes (add, matMul, relu
 * on 64×64; a read every 100 steps), from the backend's own accounting:
 *   node --import tsx bench/webgpu_memory.ts
 */
import * as tf from '../src/index.ts';
import { webgpuBackend, rand } from '../test/webgpu_util.ts';
// (test/webgpu_util.ts sets VK_ICD_FILENAMES to Debian chromium's SwiftShader driver when unset)
const be = await webgpuBackend() as tf.WebGPUBackend;
await tf.setBackend('webgpu');
const w = tf.tensor(rand(64 * 64, 131), [64, 64]);
const step = () => tf.relu(tf.matMul(tf.add(w, 1), w));
let peak = 0; const t0 = performance.now();
for (let i = 0; i < 10000; i++) {
  const y = step();
  if (i % 100 === 99) { await y.data(); const m = be.memory(); peak = Math.max(peak, m.numBytesExternal + m.numBytesInPool); if (i % 2000 === 1999) console.log(i + 1, JSON.stringify({ live: m.numBytesExternal, pool: m.numBytesInPool, alloc: m.numBytesAllocated, gc: m.reclaimedByGC }), ((performance.now() - t0) / (i + 1)).toFixed(2), 'ms/step'); }
}
console.log('peak', peak);
process.exit(0);
