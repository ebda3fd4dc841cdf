/**
 * Builders for hostile files in the tests (test/hostile_*.test.ts): zip archives with lying
 * directories or duplicate entries, a scratch directory, a small model.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deflateSync, unzipSync } from 'fflate';
import * as tf from '../src/index.ts';
import { crc32 } from '../src/io/zip.ts';

export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `idem-${prefix}-`));
}

export interface RawZipEntry {
  name: string;
  data: Uint8Array;
  /** 0 stored (default), 8 deflate. */
  method?: 0 | 8;
  /** The uncompressed size the directory records (default: the real one). */
  claimedSize?: number;
  /** The compressed bytes to write instead of the real ones (e.g. garbage). */
  rawOverride?: Uint8Array;
}

/** A zip archive written field by field, so entries can lie about their sizes or repeat a name. */
export function rawZip(entries: RawZipEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let off = 0;
  const enc = new TextEncoder();
  for (const e of entries) {
    const name = enc.encode(e.name);
    const method = e.method ?? 0;
    const body = e.rawOverride ?? (method === 8 ? deflateSync(e.data) : e.data);
    const size = e.claimedSize ?? e.data.length;
    const crc = crc32(e.data);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, body.length, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const cen = new Uint8Array(46 + name.length);
    const cv = new DataView(cen.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, off, true);
    cen.set(name, 46);
    parts.push(local, body);
    central.push(cen);
    off += local.length + body.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, off, true);
  const all = [...parts, ...central, eocd];
  const out = new Uint8Array(all.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of all) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The entries of a zip idem wrote (stored), by name. */
export function zipEntries(bytes: Uint8Array): Map<string, Uint8Array> {
  return new Map(Object.entries(unzipSync(bytes)));
}

/** A small compiled Sequential model (dense 4 → 3 → 2). */
export function smallModel(): tf.LayersModel {
  tf.resetLayerNames();
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], name: 'a' }), tf.layers.dense({ units: 2, name: 'b' })] });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}

/** Runs `fn` with some caps changed, then restores them. */
export async function withLimits<T>(limits: Partial<tf.Limits>, fn: () => Promise<T> | T): Promise<T> {
  const prev = tf.setLimits(limits);
  try {
    return await fn();
  } finally {
    tf.setLimits(prev);
  }
}

/** A .keras of the small model with its config.json edited (and/or other weights), written to `dir/name`. */
export async function editedKeras(dir: string, name: string, edit: (config: Record<string, any>) => void, weights?: Uint8Array): Promise<string> {
  const base = path.join(dir, `base-${name}`);
  await smallModel().save(base);
  const e = zipEntries(fs.readFileSync(base));
  const config = JSON.parse(new TextDecoder().decode(e.get('config.json')!));
  edit(config);
  const f = path.join(dir, name);
  fs.writeFileSync(f, rawZip([
    { name: 'metadata.json', data: e.get('metadata.json')! },
    { name: 'config.json', data: new TextEncoder().encode(JSON.stringify(config)) },
    { name: 'model.weights.h5', data: weights ?? e.get('model.weights.h5')! },
  ]));
  return f;
}

/** A .keras of the small model whose config.json is `text` (any bytes, not necessarily what JSON.stringify makes). */
export async function kerasWithConfigText(dir: string, name: string, text: string): Promise<string> {
  const base = path.join(dir, `base-${name}`);
  await smallModel().save(base);
  const e = zipEntries(fs.readFileSync(base));
  const f = path.join(dir, name);
  fs.writeFileSync(f, rawZip([
    { name: 'metadata.json', data: e.get('metadata.json')! },
    { name: 'config.json', data: new TextEncoder().encode(text) },
    { name: 'model.weights.h5', data: e.get('model.weights.h5')! },
  ]));
  return f;
}

/** The config.json text of the small model's .keras. */
export async function smallConfigText(dir: string): Promise<string> {
  const base = path.join(dir, 'base-config.keras');
  await smallModel().save(base);
  return new TextDecoder().decode(zipEntries(fs.readFileSync(base)).get('config.json')!);
}
