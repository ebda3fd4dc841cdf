/**
 * TensorBoard event files, decoded independently of idem's writer: the TFRecord framing is parsed
 * by hand, both CRCs are checked with a table-free bitwise CRC-32C written here, and the protocol
 * buffers are decoded with a small wire-format reader written here, using TensorFlow's field
 * numbers (event.proto, summary.proto, tensor.proto, graph.proto, node_def.proto, attr_value.proto),
 * not protobufjs and not idem's descriptor.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as tf from '../src/index.ts';
import { ProgressBar } from '../src/models/callbacks.ts';
import { expectThrows } from './util.ts';
import { main as tensorBoardExample } from '../examples/tensorboard.ts';

// ---------------------------------------------------------------- independent decoders

/** CRC-32C bit by bit (no table): reflected polynomial 0x82F63B78. */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
const masked = (c: number) => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;

/** Records of a TFRecord file; asserts both masked CRCs of each. */
function parseFraming(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let p = 0;
  while (p < bytes.length) {
    const len = Number(bytes.readBigUInt64LE(p));
    assert.equal(bytes.readUInt32LE(p + 8), masked(crc32cBitwise(bytes.subarray(p, p + 8))), `length CRC of the record at ${p}`);
    const data = bytes.subarray(p + 12, p + 12 + len);
    assert.equal(data.length, len, `record at ${p} is complete`);
    assert.equal(bytes.readUInt32LE(p + 12 + len), masked(crc32cBitwise(data)), `data CRC of the record at ${p}`);
    out.push(data);
    p += 12 + len + 4;
  }
  assert.equal(p, bytes.length, 'framing ends exactly at the end of the file');
  return out;
}

type Field = { wire: number; varint?: bigint; bytes?: Buffer };
/** Protobuf wire format: field number → values in order. */
function fields(buf: Buffer): Map<number, Field[]> {
  const m = new Map<number, Field[]>();
  let p = 0;
  const varint = (): bigint => {
    let r = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[p++]!;
      r |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return r;
      shift += 7n;
    }
  };
  while (p < buf.length) {
    const key = Number(varint());
    const num = key >>> 3;
    const wire = key & 7;
    let f: Field;
    if (wire === 0) f = { wire, varint: varint() };
    else if (wire === 1) f = { wire, bytes: buf.subarray(p, (p += 8)) };
    else if (wire === 5) f = { wire, bytes: buf.subarray(p, (p += 4)) };
    else if (wire === 2) {
      const n = Number(varint());
      f = { wire, bytes: buf.subarray(p, (p += n)) };
    } else throw new Error(`unexpected wire type ${wire}`);
    if (!m.has(num)) m.set(num, []);
    m.get(num)!.push(f);
  }
  return m;
}
const one = (m: Map<number, Field[]>, n: number) => m.get(n)?.[0];
const dbl = (m: Map<number, Field[]>, n: number) => {
  const f = one(m, n);
  assert.ok(f === undefined || f.wire === 1, `field ${n} is a double (wire type 1)`);
  return f ? f.bytes!.readDoubleLE(0) : 0;
};
const flt = (m: Map<number, Field[]>, n: number) => {
  const f = one(m, n);
  assert.ok(f?.wire === 5, `field ${n} is a float (wire type 5)`);
  return f.bytes!.readFloatLE(0);
};
const int = (m: Map<number, Field[]>, n: number) => {
  const v = one(m, n)?.varint ?? 0n;
  return Number(BigInt.asIntN(64, v));
};
const str = (m: Map<number, Field[]>, n: number) => one(m, n)?.bytes?.toString('utf8') ?? '';
const sub = (m: Map<number, Field[]>, n: number) => fields(one(m, n)?.bytes ?? Buffer.alloc(0));
const packedDoubles = (m: Map<number, Field[]>, n: number) => {
  const f = one(m, n);
  if (!f) return [];
  assert.equal(f.wire, 2, `field ${n} is packed (wire type 2)`);
  const out: number[] = [];
  for (let i = 0; i < f.bytes!.length; i += 8) out.push(f.bytes!.readDoubleLE(i));
  return out;
};

interface Ev {
  wallTime: number;
  step: number;
  fileVersion?: string;
  graphDef?: Buffer;
  values: { tag: string; simple?: number; histo?: Map<number, Field[]>; tensor?: Map<number, Field[]>; metadata?: Map<number, Field[]> }[];
}
/** Event: wall_time 1, step 2, file_version 3, graph_def 4, summary 5; Summary.value 1; Value: tag 1, simple_value 2, histo 5, tensor 8, metadata 9. */
function decodeEvents(file: string): Ev[] {
  return parseFraming(fs.readFileSync(file)).map((rec) => {
    const e = fields(rec);
    const ev: Ev = { wallTime: dbl(e, 1), step: int(e, 2), values: [] };
    if (e.has(3)) ev.fileVersion = str(e, 3);
    if (e.has(4)) ev.graphDef = one(e, 4)!.bytes!;
    if (e.has(5)) {
      for (const v of sub(e, 5).get(1) ?? []) {
        const vm = fields(v.bytes!);
        ev.values.push({
          tag: str(vm, 1),
          ...(vm.has(2) ? { simple: flt(vm, 2) } : {}),
          ...(vm.has(5) ? { histo: sub(vm, 5) } : {}),
          ...(vm.has(8) ? { tensor: sub(vm, 8) } : {}),
          ...(vm.has(9) ? { metadata: sub(vm, 9) } : {}),
        });
      }
    }
    return ev;
  });
}

function eventFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.')).map((f) => path.join(dir, f));
}

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'idem-summary-'));
}

/** scalar events of a tag: [step, value][] */
function scalars(evs: Ev[], tag: string): [number, number][] {
  return evs.flatMap((e) => e.values.filter((v) => v.tag === tag && v.simple !== undefined).map((v) => [e.step, v.simple!] as [number, number]));
}

// ---------------------------------------------------------------- tests

describe('CRC-32C', () => {
  it('matches the standard check value and a bitwise implementation', () => {
    const check = new TextEncoder().encode('123456789');
    assert.equal(crc32cBitwise(check), 0xe3069283, 'bitwise check value');
    assert.equal(tf.summary.crc32c(check), 0xe3069283, 'idem check value');
    const bytes = new Uint8Array(1000).map((_, i) => (i * 37 + 11) & 0xff);
    for (const n of [0, 1, 7, 8, 255, 1000]) assert.equal(tf.summary.crc32c(bytes.subarray(0, n)), crc32cBitwise(bytes.subarray(0, n)), `length ${n}`);
    const c = tf.summary.crc32c(check);
    assert.equal(tf.summary.maskCrc(c), masked(c), 'mask');
    assert.equal(tf.summary.unmaskCrc(tf.summary.maskCrc(c)), c, 'unmask');
  });

  it('readRecords checks CRCs and stops at a torn last record', () => {
    const a = tf.summary.frameRecord(new Uint8Array([1, 2, 3]));
    const b = tf.summary.frameRecord(new Uint8Array([4, 5]));
    const both = new Uint8Array([...a, ...b]);
    assert.deepEqual(tf.summary.readRecords(both).map((r) => Array.from(r)), [[1, 2, 3], [4, 5]]);
    assert.equal(tf.summary.readRecords(both.subarray(0, both.length - 1)).length, 1, 'torn record dropped');
    expectThrows(() => tf.summary.readRecords(both.subarray(0, both.length - 1), 'f', true), /truncated record/);
    const bad = both.slice();
    bad[13] ^= 1;
    expectThrows(() => tf.summary.readRecords(bad), /data CRC mismatch/);
  });
});

describe('tf.summary writer', () => {
  it('writes scalars, histograms and text that decode to the values written', () => {
    const dir = tmpdir();
    const w = tf.summary.createFileWriter(dir);
    w.scalar('loss', 0.5, 1);
    w.scalar('loss', 0.1, 2, 'training loss');
    w.histogram('w', [1, 2, 2, 3, 10], 3, 3);
    w.histogram('c', tf.tensor([2, 2, 2]), 4);
    w.text('note', 'hello *markdown*', 0);
    w.close();
    const files = eventFiles(dir);
    assert.equal(files.length, 1, 'one event file');
    assert.match(path.basename(files[0]!), /^events\.out\.tfevents\.\d{10}\.[^.]+\.\d+\.\d+\.v2$/, 'file name');
    const evs = decodeEvents(files[0]!);
    assert.equal(evs[0]!.fileVersion, 'brain.Event:2', 'first event: file_version');
    assert.ok(Math.abs(evs[0]!.wallTime - Date.now() / 1000) < 600, 'wall_time is now, in seconds');
    assert.deepEqual(scalars(evs, 'loss'), [[1, 0.5], [2, Math.fround(0.1)]]);
    const desc = evs.find((e) => e.step === 2)!.values[0]!.metadata!;
    assert.equal(str(desc, 3), 'training loss', 'summary_description');

    const h = evs.find((e) => e.values[0]?.tag === 'w')!;
    assert.equal(h.step, 3, 'histogram step');
    const hm = h.values[0]!.histo!;
    assert.deepEqual([dbl(hm, 1), dbl(hm, 2), dbl(hm, 3), dbl(hm, 4), dbl(hm, 5)], [1, 10, 5, 18, 118], 'min max num sum sum_squares');
    assert.deepEqual(packedDoubles(hm, 6), [4, 7, 10], 'bucket_limit: right edges of 3 equal buckets over [1, 10]');
    assert.deepEqual(packedDoubles(hm, 7), [4, 0, 1], 'bucket counts');
    const c = evs.find((e) => e.values[0]?.tag === 'c')!.values[0]!.histo!;
    assert.deepEqual([dbl(c, 1), dbl(c, 2), dbl(c, 3), ...packedDoubles(c, 6), ...packedDoubles(c, 7)], [2, 2, 3, 2, 3], 'constant data: one bucket');

    const t = evs.find((e) => e.values[0]?.tag === 'note')!.values[0]!;
    assert.equal(int(t.tensor!, 1), 7, 'dtype DT_STRING');
    assert.equal(str(t.tensor!, 8), 'hello *markdown*', 'string_val');
    assert.equal(str(sub(t.metadata!, 1), 1), 'text', 'plugin_data.plugin_name');
  });

  it('module functions use the default writer, and false without one', () => {
    const dir = tmpdir();
    assert.equal(tf.summary.scalar('x', 1, 0), false, 'no default writer');
    const w = tf.summary.createFileWriter(dir, { maxQueue: 1 });
    const r = w.asDefault(() => [tf.summary.scalar('x', 3, 5), tf.summary.histogram('h', [0, 1], 5, 2), tf.summary.text('t', ['a', 'b'], 5)]);
    assert.deepEqual(r, [true, true, true]);
    assert.equal(tf.summary.scalar('x', 1, 0), false, 'default restored');
    // maxQueue 1: already on disk before close.
    const evs = decodeEvents(eventFiles(dir)[0]!);
    assert.deepEqual(scalars(evs, 'x'), [[5, 3]]);
    const t = evs.find((e) => e.values[0]?.tag === 't')!.values[0]!.tensor!;
    assert.deepEqual(t.get(8)!.map((f) => f.bytes!.toString()), ['a', 'b'], 'string list');
    assert.equal(int(fields(sub(t, 2).get(2)![0]!.bytes!), 1), 2, 'shape [2]');
    w.close();
    expectThrows(() => w.scalar('x', 1, 1), /summary\.scalar.*closed/);
  });

  it('flushes queued events when the process exits without close()', () => {
    const dir = tmpdir();
    const src = path.resolve(import.meta.dirname, '../src/summary/index.ts');
    const code = `import { createFileWriter } from ${JSON.stringify(src)}; const w = createFileWriter(${JSON.stringify(dir)}); w.scalar('late', 42, 7);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    assert.equal(r.status, 0, `child exited: ${r.stderr}`);
    assert.deepEqual(scalars(decodeEvents(eventFiles(dir)[0]!), 'late'), [[7, 42]], 'the queued scalar reached the file');
  });

  it('rejects bad input naming the op and argument', () => {
    const w = tf.summary.createFileWriter(tmpdir());
    expectThrows(() => w.scalar('x', 1, -1), /summary\.scalar: `step` must be a non-negative integer, received -1/);
    expectThrows(() => w.scalar('', 1, 0), /summary\.scalar: `name`/);
    expectThrows(() => w.scalar('x', tf.tensor([1, 2]), 0), /one value.*\[2\]/);
    expectThrows(() => w.histogram('h', [1, NaN], 0), /summary\.histogram: data must be finite, received NaN at flat index 1/);
    expectThrows(() => w.histogram('h', [1], 0, 0), /`buckets` must be a positive integer/);
    expectThrows(() => tf.summary.createFileWriter(tmpdir(), { maxQueu: 3 } as never), /unknown option\(s\) maxQueu/);
    w.close();
  });
});

describe('TensorBoard callback', () => {
  it('writes epoch and batch scalars, weight histograms, the graph and the summary as Keras lays them out', async () => {
    tf.setSeed(1);
    const dir = tmpdir();
    const inp = tf.input({ shape: [3], name: 'x' });
    const h = tf.layers.dense({ units: 4, activation: 'relu', name: 'hidden' }).apply(inp) as tf.KerasTensor;
    const out = tf.layers.dense({ units: 2, name: 'out' }).apply(h) as tf.KerasTensor;
    const m = tf.model({ inputs: inp, outputs: out, name: 'tiny' });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['mae'] });
    const x = tf.randomNormal([12, 3], 0, 1, 'float32', 3);
    const y = tf.randomNormal([12, 2], 0, 1, 'float32', 4);
    const xv = tf.randomNormal([4, 3], 0, 1, 'float32', 5);
    const yv = tf.randomNormal([4, 2], 0, 1, 'float32', 6);
    const hist = await m.fit(x, y, { epochs: 2, batchSize: 4, validationData: [xv, yv], verbose: 0, callbacks: [tf.callbacks.tensorBoard(dir, { updateFreq: 'batch', histogramFreq: 1 })] });

    const train = decodeEvents(eventFiles(path.join(dir, 'train'))[0]!);
    const val = decodeEvents(eventFiles(path.join(dir, 'validation'))[0]!);
    assert.equal(train[0]!.fileVersion, 'brain.Event:2', 'train file_version');
    assert.equal(val[0]!.fileVersion, 'brain.Event:2', 'validation file_version');
    const f = (a: number[]) => a.map((v, i) => [i, Math.fround(v)]);
    assert.deepEqual(scalars(train, 'epoch_loss'), f(hist.history['loss']!), 'epoch_loss = history.loss');
    assert.deepEqual(scalars(train, 'epoch_mae'), f(hist.history['mae']!), 'epoch_mae');
    assert.deepEqual(scalars(val, 'epoch_loss'), f(hist.history['val_loss']!), 'validation epoch_loss = history.val_loss');
    assert.deepEqual(scalars(val, 'epoch_mae'), f(hist.history['val_mae']!), 'validation epoch_mae');
    const batch = scalars(train, 'batch_loss');
    assert.deepEqual(batch.map((b) => b[0]), [1, 2, 3, 4, 5, 6], 'batch steps: global batch count');
    assert.equal(batch[2]![1], Math.fround(hist.history['loss']![0]!), 'last batch of epoch 1 = epoch running average');
    assert.equal(scalars(train, 'batch_size').length + scalars(train, 'batch_batch').length, 0, 'no bookkeeping keys');

    // Histograms of the final weights at the last epoch.
    // Keras 3's tags: `<weight.path>/histogram` (a functional model's layers carry no model prefix).
    const tags = ['hidden/kernel/histogram', 'hidden/bias/histogram', 'out/kernel/histogram', 'out/bias/histogram'];
    for (const [i, w] of m.weights.entries()) {
      const ev = train.filter((e) => e.values[0]?.tag === tags[i]);
      assert.deepEqual(ev.map((e) => e.step), [0, 1], `${tags[i]} steps`);
      const hm = ev[1]!.values[0]!.histo!;
      const vals = Array.from(w.read().dataSync());
      assert.equal(dbl(hm, 3), vals.length, `${tags[i]} num`);
      assert.ok(Math.abs(dbl(hm, 4) - vals.reduce((a, b) => a + b, 0)) < 1e-9, `${tags[i]} sum`);
      assert.equal(dbl(hm, 1), Math.min(...vals), `${tags[i]} min`);
      assert.equal(packedDoubles(hm, 7).reduce((a, b) => a + b, 0), vals.length, `${tags[i]} counts add up`);
    }

    // GraphDef: node 1, versions 4; NodeDef: name 1, op 2, input 3, attr 5 (map entries key 1, value 2).
    const g = fields(train.find((e) => e.graphDef)!.graphDef!);
    const nodes = (g.get(1) ?? []).map((n) => {
      const nm = fields(n.bytes!);
      const attr = new Map((nm.get(5) ?? []).map((a) => { const am = fields(a.bytes!); return [str(am, 1), sub(am, 2)] as const; }));
      return { name: str(nm, 1), op: str(nm, 2), input: (nm.get(3) ?? []).map((i) => i.bytes!.toString()), attr };
    });
    assert.deepEqual(nodes.map((n) => [n.name, n.op, n.input]), [['x', 'InputLayer', []], ['hidden', 'Dense', ['x']], ['out', 'Dense', ['hidden']]]);
    // AttrValue.i = 3 (params); AttrValue.list = 1 → ListValue.shape = 7 → TensorShapeProto.dim = 2 → Dim.size = 1.
    assert.equal(int(nodes[1]!.attr.get('params')!, 3), 3 * 4 + 4, 'params attr');
    const shape = fields(sub(nodes[2]!.attr.get('_output_shapes')!, 1).get(7)![0]!.bytes!).get(2)!.map((d) => int(fields(d.bytes!), 1));
    assert.deepEqual(shape, [-1, 2], '_output_shapes of out');

    const summary = train.find((e) => e.values[0]?.tag === 'model_summary')!.values[0]!;
    assert.match(str(summary.tensor!, 8), /Model: "tiny"[\s\S]*Total params: 26/, 'model summary text');
  });

  it('updateFreq n writes every n batches; histogramFreq 0 writes none', async () => {
    tf.setSeed(2);
    const dir = tmpdir();
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], name: 'd' })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await m.fit(tf.ones([10, 2]), tf.zeros([10, 1]), { epochs: 2, batchSize: 2, verbose: 0, callbacks: [tf.callbacks.tensorBoard(dir, { updateFreq: 3, writeGraph: false })] });
    const train = decodeEvents(eventFiles(path.join(dir, 'train'))[0]!);
    assert.deepEqual(scalars(train, 'batch_loss').map((s) => s[0]), [3, 6, 9], 'every 3rd of 10 batches');
    assert.equal(train.filter((e) => e.values.some((v) => v.histo)).length, 0, 'no histograms');
    assert.equal(train.filter((e) => e.graphDef).length, 0, 'no graph');
    assert.equal(fs.existsSync(path.join(dir, 'validation')), false, 'no validation writer without validation data');
  });

  it('validates its arguments', () => {
    expectThrows(() => tf.callbacks.tensorBoard('l', { updateFreq: 0 }), /TensorBoard: Received an invalid value for `updateFreq`.*updateFreq=0/);
    expectThrows(() => tf.callbacks.tensorBoard('l', { histogramFreq: -1 }), /`histogramFreq`.*histogramFreq=-1/);
    expectThrows(() => tf.callbacks.tensorBoard('l', { histogram_freq: 1 } as never), /unknown argument\(s\) `histogram_freq`/);
  });
});

describe('examples/tensorboard.ts (seed 000 MLP with the callback)', () => {
  it('produces event files that decode, with the history\'s values', { timeout: 120_000 }, async () => {
    const logdir = path.join(tmpdir(), 'seed000');
    const r = await tensorBoardExample({ logdir, epochs: 2, limit: 200, valLimit: 100, compare: false, verbose: 0, log: () => {} });
    const train = decodeEvents(eventFiles(path.join(logdir, 'train'))[0]!);
    const val = decodeEvents(eventFiles(path.join(logdir, 'validation'))[0]!);
    assert.deepEqual(scalars(train, 'epoch_loss'), r.history['loss']!.map((v, i) => [i, Math.fround(v)]));
    assert.deepEqual(scalars(val, 'epoch_accuracy'), r.history['val_accuracy']!.map((v, i) => [i, Math.fround(v)]));
    assert.equal(scalars(train, 'batch_loss').length, 0, 'updateFreq 5: no batch point in 2 epochs × 2 batches');
    const hist = train.flatMap((e) => e.values.filter((v) => v.histo).map((v) => `${v.tag}@${e.step}`));
    assert.equal(hist.length, 10 * 2, 'five Dense layers × (kernel, bias) × 2 epochs');
    // Keras 3's tags: a Sequential model's weights carry the model's name (`<weight.path>/histogram`).
    assert.ok(hist.includes('seed000_keras/VisibleLayer/kernel/histogram@1') && hist.includes('seed000_keras/OutputLayer/bias/histogram@0'), `histogram tags: ${hist.slice(0, 4).join(', ')}`);
    const g = fields(train.find((e) => e.graphDef)!.graphDef!);
    const ops = (g.get(1) ?? []).map((n) => str(fields(n.bytes!), 2));
    assert.deepEqual(ops, ['InputLayer', 'Dense', 'Dropout', 'Dense', 'Dropout', 'Dense', 'Dropout', 'Dense', 'Dropout', 'Dense'], 'graph: 784 → 4 × [Dense → Dropout] → Dense');
  });
});

describe('fit verbose 2', () => {
  it('prints `Epoch i/n` then one line per epoch, as Keras', async () => {
    tf.setSeed(3);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['mae'] });
    let out = '';
    const bar = new ProgressBar(2, (s) => (out += s), false);
    const hist = await m.fit(tf.ones([6, 2]), tf.zeros([6, 1]), { epochs: 2, batchSize: 2, validationSplit: 0.5, verbose: 0, callbacks: [bar] });
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 4, `four lines: ${JSON.stringify(lines)}`);
    assert.equal(lines[0], 'Epoch 1/2');
    assert.equal(lines[2], 'Epoch 2/2');
    const l = hist.history['loss']![1]!.toFixed(4);
    const vl = hist.history['val_loss']![1]!.toFixed(4);
    assert.match(lines[3]!, new RegExp(`^2/2 - \\d+s - loss: ${l} - mae: \\d\\.\\d{4} - val_loss: ${vl} - val_mae: \\d\\.\\d{4}$`), lines[3]);
  });
});
