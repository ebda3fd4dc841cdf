/**
 * The `idem` command as a user runs it — a child process, with nothing imported first (importing
 * src/index.ts in the test process would register the backends the bin itself must register) —
 * on model files, and its exit status on bad usage; and `idem report` on a logdir with 300,000
 * events per tag (reading was quadratic in events per tag).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '../src/index.ts';
import { scratchDir, smallModel } from './hostile_util.ts';
import { EventType } from '../src/summary/protos.ts';
import { frameRecord } from '../src/summary/records.ts';
import { readLogdir } from '../src/report/logdir.ts';

const dir = scratchDir('hostile-cli');
const root = fileURLToPath(new URL('..', import.meta.url));

/** `idem <args>` through src/cli.ts (what the bin runs, under tsx), 5 minutes at most. */
function idem(...args: string[]): { status: number | null; out: string; err: string; cpuMs: number } {
  // The child reports the CPU time it used (user + system) as its last line on stderr: unlike
  // wall-clock time, it hardly depends on what else the machine runs.
  const cpu = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\nidem-test-cpu-us '+(u.user+u.system)+'\\n')})`;
  const r = spawnSync(process.execPath, ['--import', cpu, '--import', 'tsx', path.join(root, 'src/cli.ts'), ...args], { cwd: root, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.signal, null, `idem ${args.join(' ')} was killed (${r.signal}): ${r.stderr}`);
  const m = /\nidem-test-cpu-us (\d+)\n$/.exec(r.stderr);
  assert.ok(m, `the child reported its CPU time: ${r.stderr}`);
  return { status: r.status, out: r.stdout, err: r.stderr.slice(0, m.index), cpuMs: Number(m[1]) / 1000 };
}

test('idem convert and idem compare run from the shell (the bin registers the backends itself)', async () => {
  const m = path.join(dir, 'm.keras');
  await smallModel().save(m);
  const c = idem('convert', m, path.join(dir, 'm.h5'));
  assert.equal(c.status, 0, c.err);
  assert.doesNotMatch(c.err, /no backend registered/);
  assert.ok(fs.existsSync(path.join(dir, 'm.h5')));
  const back = await tf.loadLayersModel(path.join(dir, 'm.h5'));
  assert.equal(back.layers.length, 2);
  // compare needs a model taking MNIST rows: 784 → 10.
  tf.resetLayerNames();
  const net = tf.sequential({ layers: [tf.layers.dense({ units: 10, inputShape: [784], activation: 'softmax' })] });
  net.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  await net.save(path.join(dir, 'a.keras'));
  const r = idem('compare', path.join(dir, 'a.keras'), path.join(dir, 'a.keras'), '--batch', '8');
  assert.doesNotMatch(r.err, /no backend registered/);
  assert.equal(r.status, 0, `${r.out}\n${r.err}`);
});

test('idem compare --batch 0 (and other bad option values) exit 2, as documented', () => {
  for (const bad of [['--batch', '0'], ['--batch', 'x'], ['--steps', '-1'], ['--out']]) {
    const r = idem('compare', 'a.keras', 'b.keras', ...bad);
    assert.equal(r.status, 2, `${bad.join(' ')}: ${r.err}`);
    assert.match(r.err, /idem compare: /);
  }
});

test('idem report reads 300,000 events of one tag in linear time', () => {
  // The event file is framed here (the summary writer takes a while for 300,000 events).
  const logdir = path.join(dir, 'logs');
  fs.mkdirSync(logdir);
  const parts: Uint8Array[] = [frameRecord(EventType.encode(EventType.create({ wallTime: 1, fileVersion: 'brain.Event:2' })).finish())];
  for (let i = 0; i < 300_000; i++) parts.push(frameRecord(EventType.encode(EventType.create({ wallTime: 1 + i, step: i, summary: { value: [{ tag: 'loss', simpleValue: 1 / (i + 1) }] } })).finish()));
  // A second value for a step replaces the first (TensorBoard's behaviour after a restart).
  parts.push(frameRecord(EventType.encode(EventType.create({ wallTime: 2, step: 7, summary: { value: [{ tag: 'loss', simpleValue: 42 }] } })).finish()));
  fs.writeFileSync(path.join(logdir, 'events.out.tfevents.1.host'), Buffer.concat(parts));
  const r = idem('report', logdir, '--out', path.join(dir, 'report.html'));
  assert.equal(r.status, 0, r.err);
  // Reading was quadratic in events per tag: 39 s for 200,000 on the 2-core machine, so ~90 s
  // here; linear reading takes a few seconds. Measured in the child's CPU time (not wall-clock
  // time, which a loaded machine stretches), with a generous bound.
  console.log(`idem report, 300,000 events: ${r.cpuMs.toFixed(0)} ms of CPU time`);
  assert.ok(r.cpuMs < 40_000, `idem report used ${r.cpuMs.toFixed(0)} ms of CPU time`);
  const run = readLogdir(logdir).runs[0]!;
  const loss = run.scalars.get('loss')!;
  assert.equal(loss.length, 300_000);
  assert.equal(loss[7]!.value, 42);
});
