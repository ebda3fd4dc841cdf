/**
 * Cross-check of the architecture against an independent implementation: idem's
 * `tf.applications.resnet50()` (random seeded weights, every batch-norm's gamma, beta and moving
 * statistics set to random values so none is an identity) runs one inference pass on a random
 * image batch; its weights go to a `.safetensors` file, and bench/resnet50_torch_check.py loads
 * them into the hand-built PyTorch ResNet50 (bench/resnet50_torch.py) and compares outputs.
 * Output = the top's logits (classifierActivation null) so differences are not squashed.
 *
 *   node --import tsx bench/resnet50_check.ts [--size 224] [--batch 2]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '../src/index.ts';

const argv = process.argv.slice(2);
const opt = (name: string, d: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const size = opt('--size', 224);
const batch = opt('--batch', 2);
tf.setSeed(7);
const model = tf.applications.resnet50({ inputShape: [size, size, 3], classifierActivation: null });
let s = 100;
for (const l of model.layers) {
  if (!(l instanceof tf.BatchNormalization)) continue;
  const n = l.gamma!.shape[0]!;
  l.gamma!.assign(tf.randomUniform([n], 0.5, 1.5, 'float32', s++));
  l.beta!.assign(tf.randomUniform([n], -0.5, 0.5, 'float32', s++));
  l.movingMean!.assign(tf.randomUniform([n], -0.5, 0.5, 'float32', s++));
  l.movingVariance!.assign(tf.randomUniform([n], 0.5, 1.5, 'float32', s++));
}
const x = tf.applications.resnet50.preprocessInput(tf.randomUniform([batch, size, size, 3], 0, 255, 'float32', 1));
const y = model.predict(x);
console.log(`idem (${tf.getBackend()}): ResNet50 ${size}x${size}, batch ${batch}, logits ${y.shape}`);
const dir = mkdtempSync(join(tmpdir(), 'idem-r50-'));
try {
  const w = join(dir, 'w.safetensors');
  await model.saveWeights(w);
  writeFileSync(join(dir, 'x.f32'), new Uint8Array((x.dataSync() as Float32Array).slice().buffer));
  writeFileSync(join(dir, 'y.f32'), new Uint8Array((y.dataSync() as Float32Array).slice().buffer));
  const script = fileURLToPath(new URL('./resnet50_torch_check.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script, w, join(dir, 'x.f32'), join(dir, 'y.f32'), String(batch), String(size), String(size), '3'], { encoding: 'utf8' });
  process.stdout.write(r.stdout);
  if (r.status !== 0) console.log(`torch check failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
