/**
 * safetensors (Hugging Face's format): 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype: 'F32' | 'I32' | ..., shape, data_offsets: [begin, end]}, __metadata__: {string:
 * string}}`, then the data; offsets are relative to the end of the header, entries tile the data
 * exactly, little-endian, row-major.
 *
 * Names: a model weight is stored under its variable name without `:0` — Keras/TensorFlow's
 * weight path, `dense_1/kernel`, `lstm/recurrent_kernel`, `multi_head_attention/query/kernel`
 * (what `model.weights[i].name` shows, minus the suffix). With `includeOptimizer`, the optimizer
 * state adds `optimizer/iteration` (I64), `optimizer/learning_rate` and
 * `optimizer/<variable>/<slot>` (`optimizer/dense_1/kernel/momentum`). Values are stored as the
 * model holds them (F32 / I32); on loading, names, dtypes and shapes must match exactly.
 */
import { fail } from '../core/errors.ts';
import type { Tensor } from '../core/tensor.ts';
import type { LayersModel } from '../models/model.ts';
import { halfToFloat } from './half.ts';
import type { H5Data } from './h5.ts';
import { atomicWriteFile } from '../models/weights_io.ts';
import { tensor } from '../ops/creation.ts';
import { readRegularFile } from '../platform/files.ts';
import { checkAssign, commit, optimizerLayout, optimizerValues, planOptimizerRestore, typedToTensor, type Assignment } from './state.ts';

const DTYPES: Record<string, { bytes: number; name: string }> = {
  F32: { bytes: 4, name: 'float32' }, I32: { bytes: 4, name: 'int32' }, I64: { bytes: 8, name: 'int64' }, F64: { bytes: 8, name: 'float64' },
  F16: { bytes: 2, name: 'float16' }, BF16: { bytes: 2, name: 'bfloat16' }, I8: { bytes: 1, name: 'int8' }, U8: { bytes: 1, name: 'uint8' }, BOOL: { bytes: 1, name: 'bool' },
  I16: { bytes: 2, name: 'int16' }, U16: { bytes: 2, name: 'uint16' }, U32: { bytes: 4, name: 'uint32' }, U64: { bytes: 8, name: 'uint64' },
};

export interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
  data: Uint8Array;
}

export function encodeSafetensors(tensors: { name: string; tensor: Tensor; int64?: boolean }[], metadata: Record<string, string> = {}): Uint8Array {
  // A prototype-less header: any tensor name (`__proto__`, `toString`) is an ordinary key.
  const header: Record<string, unknown> = Object.create(null);
  if (Object.keys(metadata).length) header['__metadata__'] = metadata;
  const parts: Uint8Array[] = [];
  let off = 0;
  for (const { name, tensor: t, int64 } of tensors) {
    if (typeof name !== 'string' || name === '__metadata__' || Object.hasOwn(header, name)) fail('saveSafetensors', `duplicate or reserved tensor name ${JSON.stringify(name)}`);
    const v = t.dataSync();
    let bytes: Uint8Array;
    let dtype: string;
    if (t.dtype === 'float32') [bytes, dtype] = [new Uint8Array(Float32Array.from(v).buffer), 'F32'];
    else if (t.dtype === 'int32' && int64) [bytes, dtype] = [new Uint8Array(BigInt64Array.from(v, (x) => BigInt(x)).buffer), 'I64'];
    else if (t.dtype === 'int32') [bytes, dtype] = [new Uint8Array(Int32Array.from(v).buffer), 'I32'];
    else if (t.dtype === 'bool') [bytes, dtype] = [Uint8Array.from(v), 'BOOL'];
    else fail('saveSafetensors', `tensor '${name}' has unsupported dtype ${t.dtype}`);
    header[name] = { dtype, shape: t.shape.slice(), data_offsets: [off, off + bytes.length] };
    parts.push(bytes);
    off += bytes.length;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
  while ((8 + new TextEncoder().encode(json).length) % 8 !== 0) json += ' ';
  const hb = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hb.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let o = 8 + hb.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function decodeSafetensors(buf: Uint8Array, file: string, op = 'loadSafetensors'): { entries: SafetensorsEntry[]; metadata: Record<string, string> } {
  if (buf.length < 8) fail(op, `${file}: ${buf.length} bytes, shorter than the 8-byte header length`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = dv.getBigUint64(0, true);
  if (n > BigInt(buf.length - 8)) fail(op, `${file}: header length ${n} runs past the end of the file (${buf.length} bytes)`);
  const hl = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + hl)));
  } catch (e) {
    fail(op, `${file}: the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail(op, `${file}: the header is not a JSON object`);
  const dup = duplicateKey(new TextDecoder().decode(buf.subarray(8, 8 + hl)));
  if (dup !== null) fail(op, `${file}: the header names tensor ${JSON.stringify(dup)} twice (which one a reader takes is ambiguous; refused)`);
  const data = buf.subarray(8 + hl);
  const entries: SafetensorsEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, spec] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!spec || typeof spec !== 'object' || Object.values(spec).some((v) => typeof v !== 'string')) fail(op, `${file}: __metadata__ must map strings to strings`);
      metadata = spec as Record<string, string>;
      continue;
    }
    const s = spec as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const where = `${file}: tensor '${name}'`;
    if (!s || typeof s !== 'object') fail(op, `${where}: its entry is not an object`);
    const dt = typeof s.dtype === 'string' && Object.hasOwn(DTYPES, s.dtype) ? DTYPES[s.dtype] : undefined;
    if (!dt) fail(op, `${where}: unknown dtype ${JSON.stringify(s.dtype)}`);
    if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isSafeInteger(d) || (d as number) < 0)) fail(op, `${where}: invalid shape ${JSON.stringify(s.shape)}`);
    const o = s.data_offsets as number[];
    if (!Array.isArray(o) || o.length !== 2 || !o.every((x) => Number.isSafeInteger(x) && x >= 0) || o[0]! > o[1]!) fail(op, `${where}: invalid data_offsets ${JSON.stringify(s.data_offsets)}`);
    if (o[1]! > data.length) fail(op, `${where}: data_offsets [${o}] run past the end of the data (${data.length} bytes; truncated file?)`);
    const count = (s.shape as number[]).reduce((a, b) => a * b, 1);
    if (o[1]! - o[0]! !== count * dt.bytes) fail(op, `${where}: ${o[1]! - o[0]!} bytes for ${s.dtype} shape [${s.shape}], which needs ${count * dt.bytes}`);
    entries.push({ name, dtype: s.dtype as string, shape: s.shape as number[], data: data.subarray(o[0], o[1]) });
  }
  // The entries must tile the data exactly (no overlaps, no holes), as the format requires.
  const spans = entries.map((e) => [e.data.byteOffset - data.byteOffset, e.data.byteOffset - data.byteOffset + e.data.length]).sort((a, b) => a[0]! - b[0]!);
  let end = 0;
  for (const [a, b] of spans) {
    if (a !== end) fail(op, `${file}: the tensors' data does not tile the data section (a ${a! < end ? 'overlap' : 'hole'} at byte ${Math.min(a!, end)})`);
    end = b!;
  }
  if (end !== data.length) fail(op, `${file}: ${data.length - end} bytes after the last tensor`);
  return { entries, metadata };
}

function typed(e: SafetensorsEntry): { data: H5Data; dtype: string } {
  const copy = new Uint8Array(e.data); // a copy: Node Buffers share a pool, and typed views need alignment
  if (e.dtype === 'F32') return { data: new Float32Array(copy.buffer), dtype: 'float32' };
  if (e.dtype === 'I32') return { data: new Int32Array(copy.buffer), dtype: 'int32' };
  if (e.dtype === 'I64') return { data: new BigInt64Array(copy.buffer), dtype: 'int64' };
  if (e.dtype === 'F16') return { data: Float32Array.from(new Uint16Array(copy.buffer), halfToFloat), dtype: 'float16' }; // widened exactly
  return { data: new Uint8Array(copy.buffer), dtype: DTYPES[e.dtype]!.name };
}

/** The first key that appears twice at the top level of a JSON object's text, or null. */
function duplicateKey(text: string): string | null {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (k < text.length && /\s/.test(text[k]!)) k++;
        if (text[k] === ':') {
          const key = JSON.parse(text.slice(i, j + 1)) as string;
          if (seen.has(key)) return key;
          seen.add(key);
        }
      }
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return null;
}

export function safetensorsName(varName: string): string {
  return varName.replace(/:\d+$/, '');
}

export function modelSafetensors(model: LayersModel, opts: { includeOptimizer?: boolean; metadata?: Record<string, string> } = {}): Uint8Array {
  const list: { name: string; tensor: Tensor; int64?: boolean }[] = model.weights.map((w) => ({ name: safetensorsName(w.name), tensor: w.read() }));
  const opt = model.optimizer;
  if (opts.includeOptimizer && opt) {
    for (const e of optimizerValues(opt, model.trainableWeights)) list.push({ name: `optimizer/${e.name}`, tensor: e.value!, int64: e.name === 'iteration' });
  }
  return encodeSafetensors(list, { format: 'idem', ...(opts.metadata ?? {}) });
}

/** Checks a safetensors file against `model` by name; returns the function that assigns (nothing changed before). */
export function planSafetensors(model: LayersModel, buf: Uint8Array, file: string, op: string, opts: { loadOptimizer?: boolean } = {}): () => void {
  const { entries } = decodeSafetensors(buf, file, op);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const problems: string[] = [];
  const assigns: Assignment[] = [];
  for (const w of model.weights) {
    const n = safetensorsName(w.name);
    const e = byName.get(n);
    if (!e) {
      problems.push(`'${n}' [${w.shape}] is not in the file`);
      continue;
    }
    try {
      const t = typed(e);
      if (e.shape.length !== w.shape.length || e.shape.some((d, i) => d !== w.shape[i])) fail(op, `${file}: '${n}' has shape [${e.shape}] in the file, the model's is [${w.shape}]`);
      assigns.push(checkAssign(w, typedToTensor(t.data, t.dtype, w.dtype, e.shape, `${file}: '${n}'`, op), `${file}: '${n}'`, op));
    } catch (err) {
      problems.push((err as Error).message.replace(/^\w+: /, ''));
    }
  }
  const names = new Set(model.weights.map((w) => safetensorsName(w.name)));
  const extra = entries.filter((e) => !names.has(e.name) && !e.name.startsWith('optimizer/')).map((e) => e.name);
  if (extra.length) problems.push(`tensors with no weight of that name in the model: ${extra.join(', ')}`);
  if (problems.length) fail(op, `${file} does not match model '${model.name}':\n  ${problems.join('\n  ')}`);
  let optPlan = () => {};
  const opt = model.optimizer;
  const optEntries = entries.filter((e) => e.name.startsWith('optimizer/'));
  if (opt && optEntries.length && opts.loadOptimizer !== false) {
    const byOptName = new Map(optEntries.map((e) => [e.name.slice('optimizer/'.length), e]));
    const layout = optimizerLayout(opt, model.trainableWeights, optEntries.length > (typeof opt.learningRate === 'number' ? 2 : 1));
    const values = layout.map((l, i) => {
      const e = byOptName.get(l.name);
      if (!e) fail(op, `${file}: optimizer entry 'optimizer/${l.name}' is missing (the file has ${optEntries.length} optimizer entries; ${opt.className} needs ${layout.length})`);
      byOptName.delete(l.name);
      const t = typed(e);
      return typedToTensor(t.data, t.dtype, i === 0 ? 'int32' : 'float32', e.shape, `${file}: '${e.name}'`, op);
    });
    if (byOptName.size) fail(op, `${file}: optimizer entries the model's ${opt.className} does not have: ${[...byOptName.keys()].map((k) => `optimizer/${k}`).join(', ')}`);
    optPlan = planOptimizerRestore(opt, model.trainableWeights, values, (i) => `${file}: optimizer entry '${layout[i]?.name ?? ''}'`, op);
  }
  return () => {
    commit(assigns);
    optPlan();
  };
}

/** Writes named tensors to a safetensors file, atomically (`{name: tensor}` or `[{name, tensor}]`). */
export function saveSafetensors(file: string, tensors: Record<string, Tensor> | { name: string; tensor: Tensor }[], metadata: Record<string, string> = {}): void {
  const list = Array.isArray(tensors) ? tensors : Object.entries(tensors).map(([name, tensor]) => ({ name, tensor }));
  atomicWriteFile(file, encodeSafetensors(list, metadata), 'saveSafetensors');
}

/** Reads a safetensors file (validated) into `{name: tensor}` (F32 → float32, I32/I64 → int32, BOOL → bool). */
export function loadSafetensors(file: string): Record<string, Tensor> {
  const op = 'loadSafetensors';
  const { entries } = decodeSafetensors(readRegularFile(file, op), file, op);
  const out: Record<string, Tensor> = {};
  // Own, enumerable properties even for names like `__proto__` (a plain assignment would set the prototype).
  const put = (name: string, t: Tensor) => Object.defineProperty(out, name, { value: t, enumerable: true, writable: true, configurable: true });
  for (const e of entries) {
    const copy = new Uint8Array(e.data);
    if (e.dtype === 'F32') put(e.name, tensor(new Float32Array(copy.buffer), e.shape, 'float32'));
    else if (e.dtype === 'F16') put(e.name, tensor(Float32Array.from(new Uint16Array(copy.buffer), halfToFloat), e.shape, 'float32'));
    else if (e.dtype === 'I32') put(e.name, tensor(new Int32Array(copy.buffer), e.shape, 'int32'));
    else if (e.dtype === 'I64') {
      const v = new BigInt64Array(copy.buffer);
      const i32 = new Int32Array(v.length);
      v.forEach((x, i) => {
        if (x > 2147483647n || x < -2147483648n) fail(op, `${file}: tensor '${e.name}' holds int64 value ${x}, outside int32`);
        i32[i] = Number(x);
      });
      put(e.name, tensor(i32, e.shape, 'int32'));
    } else if (e.dtype === 'BOOL') put(e.name, tensor(Array.from(copy, (b) => (b ? 1 : 0)), e.shape, 'bool'));
    else fail(op, `${file}: tensor '${e.name}' has dtype ${e.dtype}; idem tensors are float32 (F32, or F16 widened exactly), int32 (I32, or I64 within int32) or bool`);
  }
  return out;
}
