/**
 * Names a hostile file can use and sizes a caller can ask for: `__proto__`, `constructor` and
 * `toString` are ordinary names (own-property lookups everywhere), a config nested 100,000 deep is
 * an error naming the file (not a stack overflow), and an op asked for a huge result names itself
 * and the size (not a bare "Invalid typed array length").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../src/index.ts';
import { kerasWithConfigText, scratchDir, smallConfigText, smallModel, withLimits } from './hostile_util.ts';

const dir = scratchDir('hostile-messages');

/** A safetensors file with `header` (JSON text) and `data`. */
function safetensors(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

test('safetensors: tensors named __proto__, toString, constructor round-trip as ordinary names', () => {
  const f = path.join(dir, 'proto.safetensors');
  tf.io.saveSafetensors(f, [{ name: '__proto__', tensor: tf.tensor([1, 2]) }, { name: 'toString', tensor: tf.tensor([3]) }, { name: 'constructor', tensor: tf.tensor([4], [1], 'int32') }]);
  const back = tf.io.loadSafetensors(f);
  assert.deepEqual(Object.keys(back), ['__proto__', 'toString', 'constructor']);
  assert.equal(Object.getPrototypeOf(back), Object.prototype, 'the result keeps its prototype');
  assert.deepEqual(Array.from(back['__proto__']!.dataSync()), [1, 2]);
  assert.deepEqual(Array.from(back['toString']!.dataSync()), [3]);
  // A file written by another tool, with only `__proto__`.
  const g = path.join(dir, 'proto2.safetensors');
  fs.writeFileSync(g, safetensors('{"__proto__": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', new Uint8Array(new Float32Array([7]).buffer)));
  assert.deepEqual(Object.keys(tf.io.loadSafetensors(g)), ['__proto__']);
});

test('safetensors: dtype {}, "toString" or "constructor" is an unknown dtype; a tensor named twice in the header is refused; F16 widens exactly', () => {
  for (const dt of ['{}', '"toString"', '"constructor"', '"__proto__"']) {
    const f = path.join(dir, 'dtype.safetensors');
    fs.writeFileSync(f, safetensors(`{"w": {"dtype": ${dt}, "shape": [1], "data_offsets": [0, 4]}}`, new Uint8Array(4)));
    assert.throws(() => tf.io.loadSafetensors(f), (e: Error) => e instanceof tf.IdemError && e.message.includes(`tensor 'w': unknown dtype ${dt}`), dt);
  }
  const dup = path.join(dir, 'dup.safetensors');
  fs.writeFileSync(dup, safetensors('{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}', new Uint8Array(8)));
  assert.throws(() => tf.io.loadSafetensors(dup), /dup\.safetensors: the header names tensor "w" twice/);
  const half = path.join(dir, 'half.safetensors');
  fs.writeFileSync(half, safetensors('{"h": {"dtype": "F16", "shape": [3], "data_offsets": [0, 6]}}', new Uint8Array(new Uint16Array([0x3800, 0xc000, 0x1419]).buffer)));
  assert.deepEqual(Array.from(tf.io.loadSafetensors(half)['h']!.dataSync()), [0.5, -2, Math.fround(0.0010004043579101562)]);
});

test('config keys __proto__, constructor and toString are options the layer does not take (not a TypeError, not silently dropped)', async () => {
  const text = await smallConfigText(dir);
  for (const key of ['__proto__', 'constructor', 'toString']) {
    const f = await kerasWithConfigText(dir, `key-${key}.keras`, text.replace('"units":3', `"units":3,"${key}":5`));
    await assert.rejects(tf.loadLayersModel(f), (e: Error) => e instanceof tf.IdemError && /layers\[?.*a \(Dense\)|> a \(Dense\)/.test(e.message) && e.message.includes(key === '__proto__' ? "config key '__proto__'" : `\`${key}\``), key);
  }
  for (const cls of ['constructor', 'toString', '__proto__']) {
    const f = await kerasWithConfigText(dir, `class-${cls}.keras`, text.replace('"class_name":"Dense"', `"class_name":"${cls}"`));
    await assert.rejects(tf.loadLayersModel(f), new RegExp(`unknown layer class '${cls}'`), cls);
  }
});

test('a config nested 100,000 levels deep is refused naming the file and the cap, not a stack overflow', async () => {
  const text = await smallConfigText(dir);
  const deep = text.replace('"units":3', `"units":3,"deep":${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  const f = await kerasWithConfigText(dir, 'deep.keras', deep);
  await assert.rejects(tf.loadLayersModel(f), /deep\.keras: config\.json is nested more than 256 levels deep \(maxConfigDepth; tf\.setLimits raises it\)/);
  // TF.js artifacts from memory too.
  let topo: unknown = {};
  for (let i = 0; i < 100_000; i++) topo = { config: topo };
  await assert.rejects(tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topo as Record<string, unknown> })), /IO handler: modelTopology is nested more than 256 levels deep/);
});

test('ops asked for huge results name the op and the size', async () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['zeros', () => tf.zeros([1e9, 1e9]), /^zeros: `shape` \[1000000000,1000000000\] has 1\.000e18 elements, more than a tensor holds \(maxTensorElements 4,294,967,296; tf\.setLimits raises it\)/],
    ['ones', () => tf.ones([1e6, 1e6]), /^ones: `shape` \[1000000,1000000\] has 1,000,000,000,000 elements/],
    ['range', () => tf.range(0, 1e12), /^range: range\(0, 1000000000000, 1\) has 1,000,000,000,000 elements/],
    ['oneHot', () => tf.oneHot(tf.tensor1d([1], 'int32'), 1e10), /^oneHot: the result \[1,10000000000\] has 10,000,000,000 elements/],
    ['tile', () => tf.tile(tf.ones([2, 2]), [1e6, 1e6]), /^tile: the result \[2000000,2000000\] has 4,000,000,000,000 elements/],
    ['linspace', () => tf.linspace(0, 1, 1e10), /^linspace: `num` 10000000000 has 10,000,000,000 elements/],
    ['eye', () => tf.eye(1e6), /^eye: the result \[1000000,1000000\] has 1,000,000,000,000 elements/],
    ['pad', () => tf.pad(tf.ones([2]), [[0, 1e10]]), /^pad: the result \[10000000002\] has 10,000,000,002 elements/],
    ['randomNormal', () => tf.randomNormal([1e5, 1e5]), /^randomNormal: `shape` \[100000,100000\] has 10,000,000,000 elements/],
  ];
  for (const [name, f, re] of cases) assert.throws(f, (e: Error) => e instanceof tf.IdemError && re.test(e.message), name);
  // With the cap raised past what V8 can allocate, the op still names itself.
  await withLimits({ maxTensorElements: 2 ** 40 }, () => {
    assert.throws(() => tf.broadcastTo(tf.scalar(1), [2 ** 33]), /broadcastTo: cannot allocate its result \((Invalid typed array length|Array buffer allocation failed)/);
  });
  assert.equal(smallModel().layers.length, 2, 'later work is unaffected');
});
