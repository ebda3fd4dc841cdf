/**
 * `Dataset<T>`: a lazy, asynchronous stream of elements in the shape of TF.js's `tf.data`.
 *
 * A dataset is a recipe: nothing is read until `iterator()` (or `for await`, `forEachAsync`,
 * `toArray`) starts a pass, and each pass is a fresh run of the recipe (so `shuffle` can give a
 * new order per epoch and `repeat` simply starts its upstream again). End of data is an ordinary
 * `{done: true}`; no exception is used for control flow.
 *
 * Elements are tensors, numbers, booleans or strings, or nested arrays / plain objects of them.
 * `batch(n)` stacks leaf by leaf: n tensors of shape S → one tensor [n, ...S]; n numbers → a
 * float32 tensor [n]; arrays/objects are batched position by position / key by key.
 *
 * Fast path: a dataset made by `fromTensorSlices` reads its tensors' values once (`dataSync`),
 * yields rows as zero-copy views (`subarray`), and keeps an *index plan* through `shuffle`,
 * `repeat`, `take`, `skip` and `prefetch`: those steps move row numbers, not tensors, and
 * `batch` then copies the chosen rows straight into one buffer per leaf. The order of the rows is
 * exactly the order the element-by-element path would give (same shuffle code, same draws).
 *
 * Shuffling (`shuffle(bufferSize, seed, reshuffleEachIteration)`) is tf.data's buffer shuffle:
 * fill a buffer with the next `bufferSize` elements, emit a uniformly chosen one, refill its slot
 * with the next input element. Draws come from idem's Philox generator through a
 * `SeedGenerator`, so the same seed gives the same order on every run; each new pass takes the
 * generator's next stream (a new order per epoch) unless `reshuffleEachIteration` is false.
 */
import { ENGINE } from '../core/engine.ts';
import type { DataType, TypedArray } from '../core/dtypes.ts';
import { fail, fmtShape } from '../core/errors.ts';
import { Tensor } from '../core/tensor.ts';
import { SeedGenerator, randomWords, seedToInteger, type Stream } from '../random/seed.ts';

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** What a pass over a dataset hands out: `next()` resolves to `{value, done}`. */
export class LazyIterator<T> implements AsyncIterableIterator<T> {
  private chain: Promise<unknown> = Promise.resolve();
  constructor(private readonly nextFn: () => Promise<IteratorResult<T, undefined>> | IteratorResult<T, undefined>) {}
  next(): Promise<IteratorResult<T, undefined>> {
    return Promise.resolve(this.nextFn());
  }
  /** `next()` calls made before earlier ones resolved run one after the other (used by prefetch). */
  serialNext(): Promise<IteratorResult<T, undefined>> {
    const p = this.chain.then(() => this.nextFn());
    this.chain = p.catch(() => undefined);
    return p;
  }
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
  /** Collects the remaining elements. */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for (;;) {
      const r = await this.next();
      if (r.done) return out;
      out.push(r.value);
    }
  }
}

/** A batched element type: tensors and numbers become tensors, containers are mapped. */
export type Batched<T> = T extends Tensor ? Tensor
  : T extends number | boolean ? Tensor
  : T extends string ? string[]
  : T extends readonly unknown[] ? { [K in keyof T]: Batched<T[K]> }
  : T extends object ? { [K in keyof T]: Batched<T[K]> }
  : T[];

/** One element of a batch: the inverse of `Batched` for tensors. */
export type Unbatched<T> = T extends Tensor ? Tensor
  : T extends readonly unknown[] ? { [K in keyof T]: Unbatched<T[K]> }
  : T extends object ? { [K in keyof T]: Unbatched<T[K]> }
  : T;

// ---------------------------------------------------------------- tensor slices (the fast path)

type Spec = { kind: 'leaf'; index: number } | { kind: 'array'; items: Spec[] } | { kind: 'object'; entries: [string, Spec][] };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Tensor) && !ArrayBuffer.isView(x)
    && (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null);
}

interface Leaf {
  tensor: Tensor;
  data: TypedArray | null;
  rowShape: number[];
  rowSize: number;
  dtype: DataType;
}

/** Rows of one or more tensors that share their first dimension. */
export class SliceSource {
  readonly n: number;
  private readonly leaves: Leaf[] = [];
  private readonly spec: Spec;

  constructor(x: unknown, op = 'fromTensorSlices') {
    const paths: string[] = [];
    const walk = (v: unknown, path: string, depth: number): Spec => {
      if (depth > 32) fail(op, 'structure is nested too deeply');
      if (v instanceof Tensor) {
        v.throwIfDisposed(op);
        if (v.rank < 1) fail(op, `${path || 'the tensor'} is a scalar (shape []); slicing needs rank ≥ 1`);
        const rowShape = v.shape.slice(1);
        this.leaves.push({ tensor: v, data: null, rowShape, rowSize: rowShape.reduce((a, b) => a * b, 1), dtype: v.dtype });
        paths.push(path || 'the tensor');
        return { kind: 'leaf', index: this.leaves.length - 1 };
      }
      if (Array.isArray(v)) return { kind: 'array', items: v.map((e, i) => walk(e, `${path}[${i}]`, depth + 1)) };
      if (isPlainObject(v)) return { kind: 'object', entries: Object.keys(v).map((k) => [k, walk(v[k], path ? `${path}.${k}` : k, depth + 1)] as [string, Spec]) };
      fail(op, `expected a Tensor or nested arrays/objects of Tensors, received ${v === null ? 'null' : typeof v} at ${path || 'the top level'}`);
    };
    this.spec = walk(x, '', 0);
    if (this.leaves.length === 0) fail(op, 'received a structure without tensors');
    const n0 = this.leaves[0]!.tensor.shape[0]!;
    for (let i = 1; i < this.leaves.length; i++) {
      const t = this.leaves[i]!.tensor;
      if (t.shape[0] !== n0) {
        fail(op, `all tensors must have the same first dimension: ${paths[0]} has shape ${fmtShape(this.leaves[0]!.tensor.shape)} (${n0} rows), ` +
          `${paths[i]} has shape ${fmtShape(t.shape)} (${t.shape[0]} rows)`);
      }
    }
    this.n = n0;
  }

  /** Reads every tensor's values once. */
  private load(): void {
    for (const l of this.leaves) if (l.data === null) l.data = l.tensor.dataSync();
  }

  private build(spec: Spec, leafValue: (l: Leaf) => unknown): unknown {
    switch (spec.kind) {
      case 'leaf': return leafValue(this.leaves[spec.index]!);
      case 'array': return spec.items.map((s) => this.build(s, leafValue));
      case 'object': {
        const o: Record<string, unknown> = {};
        for (const [k, s] of spec.entries) o[k] = this.build(s, leafValue);
        return o;
      }
    }
  }

  /** Row i of every tensor, as zero-copy views of the values read once. */
  element(i: number): unknown {
    this.load();
    return this.build(this.spec, (l) => ENGINE.makeTensor(l.data!.subarray(i * l.rowSize, (i + 1) * l.rowSize), l.rowShape, l.dtype));
  }

  /** Rows `idx` of every tensor, copied into one new buffer per tensor: shape [idx.length, ...row]. */
  batch(idx: readonly number[]): unknown {
    this.load();
    return this.build(this.spec, (l) => {
      const src = l.data!;
      const rs = l.rowSize;
      const out = new (src.constructor as new (n: number) => TypedArray)(idx.length * rs);
      for (let k = 0; k < idx.length; k++) {
        const i = idx[k]!;
        out.set(src.subarray(i * rs, i * rs + rs), k * rs);
      }
      return ENGINE.makeTensor(out, [idx.length, ...l.rowShape], l.dtype);
    });
  }
}

/** A sync stream of row numbers; -1 is the end. */
type IndexIter = () => number;
interface IndexPlan {
  source: SliceSource;
  make: () => IndexIter;
}

// ---------------------------------------------------------------- randomness

/**
 * Uniform draws from consecutive Philox words of one pass's stream, read in chunks of 4096
 * words: chunk c is sub-stream (pass stream) * 2^20 + c of the same key.
 */
export class WordSource {
  private buf: Uint32Array = new Uint32Array(0);
  private pos = 0;
  private chunk = 0;
  constructor(private readonly st: Stream) {}
  /** Uniform integer in [0, k). */
  int(k: number): number {
    return Math.floor((this.word() * k) / 4294967296);
  }
  /** Uniform float in [0, 1). */
  uniform(): number {
    return this.word() / 4294967296;
  }
  private word(): number {
    if (this.pos >= this.buf.length) {
      this.buf = randomWords({ key: this.st.key, stream: this.st.stream * 1048576 + this.chunk++ }, 4096);
      this.pos = 0;
    }
    return this.buf[this.pos++]!;
  }
}

/** String seeds (TF.js takes `seed?: string`) become integers by FNV-1a. */
export function seedToInt(seed: number | string | undefined, op: string): number | undefined {
  if (seed === undefined || seed === null) return undefined;
  if (typeof seed === 'string') {
    let h = 0x811c9dc5;
    for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193) >>> 0;
    return h;
  }
  if (typeof seed !== 'number' || !Number.isFinite(seed)) fail(op, `\`seed\` must be a number or a string, received ${String(seed)}`);
  return seedToInteger(seed, op);
}

/** Streams for successive passes: the next of a SeedGenerator, or always the first one. */
export function passStreams(seed: number | undefined, reshuffle: boolean): () => Stream {
  const gen = new SeedGenerator(seed);
  const first = gen.next();
  let used = false;
  return () => {
    if (!used || !reshuffle) {
      used = true;
      return first;
    }
    return gen.next();
  };
}

// ---------------------------------------------------------------- batching helpers

function describe(v: unknown): string {
  if (v instanceof Tensor) return `a ${v.dtype} tensor of shape ${fmtShape(v.shape)}`;
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Stacks a list of elements leaf by leaf (see the file comment). */
export function batchElements(elems: unknown[], op = 'batch', path = ''): unknown {
  const first = elems[0];
  const where = path ? ` at ${path}` : '';
  if (first instanceof Tensor) {
    const n = first.size;
    let out: TypedArray | null = null;
    for (let k = 0; k < elems.length; k++) {
      const t = elems[k];
      if (!(t instanceof Tensor)) fail(op, `elements must have the same structure to be batched${where}: element 0 is ${describe(first)}, element ${k} is ${describe(t)}`);
      if (t.dtype !== first.dtype || t.shape.length !== first.shape.length || t.shape.some((d, i) => d !== first.shape[i])) {
        fail(op, `elements must have the same shape and dtype to be batched${where}: element 0 is ${describe(first)}, element ${k} is ${describe(t)}`);
      }
      const v = t.dataSync();
      if (out === null) out = new (v.constructor as new (n: number) => TypedArray)(elems.length * n);
      out.set(v, k * n);
    }
    return ENGINE.makeTensor(out!, [elems.length, ...first.shape], first.dtype);
  }
  if (typeof first === 'number' || typeof first === 'boolean') {
    const isBool = typeof first === 'boolean';
    const out = isBool ? new Uint8Array(elems.length) : new Float32Array(elems.length);
    for (let k = 0; k < elems.length; k++) {
      const v = elems[k];
      if (typeof v !== typeof first) fail(op, `elements must have the same structure to be batched${where}: element 0 is ${describe(first)}, element ${k} is ${describe(v)}`);
      out[k] = isBool ? (v ? 1 : 0) : (v as number);
    }
    return ENGINE.makeTensor(out, [elems.length], isBool ? 'bool' : 'float32');
  }
  if (Array.isArray(first) && elems.every((e) => primitiveShape(e) !== null && sameShape(primitiveShape(e)!, primitiveShape(first)!))) {
    // TF.js: an element that is a (nested) array of numbers or booleans is tensor data, so n of
    // them batch into ONE tensor [n, ...shape] (float32, or bool for booleans), not a list of columns.
    return batchPrimitiveArrays(elems as unknown[][], primitiveShape(first)!);
  }
  if (Array.isArray(first)) {
    for (let k = 1; k < elems.length; k++) {
      const v = elems[k];
      if (!Array.isArray(v) || v.length !== first.length) fail(op, `elements must have the same structure to be batched${where}: element 0 is ${describe(first)}, element ${k} is ${describe(v)}`);
    }
    return first.map((_, i) => batchElements(elems.map((e) => (e as unknown[])[i]), op, `${path}[${i}]`));
  }
  if (isPlainObject(first)) {
    const keys = Object.keys(first);
    for (let k = 1; k < elems.length; k++) {
      const v = elems[k];
      if (!isPlainObject(v) || Object.keys(v).length !== keys.length || keys.some((key) => !(key in v))) {
        const got = isPlainObject(v) ? `{${Object.keys(v).join(',')}}` : describe(v);
        fail(op, `elements must have the same structure to be batched${where}: element 0 has keys {${keys.join(',')}}, element ${k} is ${got}`);
      }
    }
    const o: Record<string, unknown> = {};
    for (const key of keys) o[key] = batchElements(elems.map((e) => (e as Record<string, unknown>)[key]), op, path ? `${path}.${key}` : key);
    return o;
  }
  // Strings and anything else: kept as a plain array.
  return elems.slice();
}

/** The shape of a rectangular nested array of numbers (or of booleans); null for anything else. */
function primitiveShape(v: unknown): number[] | null {
  if (!Array.isArray(v)) return null;
  const shape: number[] = [];
  let cur: unknown = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  if (cur !== undefined && typeof cur !== 'number' && typeof cur !== 'boolean') return null;
  const kind = typeof cur;
  const ok = (x: unknown, d: number): boolean => {
    if (d === shape.length) return typeof x === kind;
    if (!Array.isArray(x) || x.length !== shape[d]) return false;
    for (const e of x) if (!ok(e, d + 1)) return false;
    return true;
  };
  return ok(v, 0) ? shape : null;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function batchPrimitiveArrays(elems: unknown[][], shape: number[]): Tensor {
  const per = shape.reduce((a, b) => a * b, 1);
  let leaf: unknown = elems[0];
  while (Array.isArray(leaf)) leaf = leaf[0];
  const isBool = typeof leaf === 'boolean';
  const out = isBool ? new Uint8Array(elems.length * per) : new Float32Array(elems.length * per);
  let k = 0;
  const put = (x: unknown): void => {
    if (Array.isArray(x)) for (const e of x) put(e);
    else out[k++] = isBool ? (x ? 1 : 0) : (x as number);
  };
  for (const e of elems) put(e);
  return ENGINE.makeTensor(out, [elems.length, ...shape], isBool ? 'bool' : 'float32');
}

/** Splits an element along axis 0 into its rows (leaf by leaf); all leaves must agree on the count. */
export function unbatchElement(x: unknown, op = 'unbatch'): unknown[] {
  let count = -1;
  const rowsOf = (v: unknown, path: string): (i: number) => unknown => {
    if (v instanceof Tensor) {
      if (v.rank < 1) fail(op, `cannot unbatch a scalar tensor${path ? ` at ${path}` : ''}`);
      check(v.shape[0]!, path);
      const data = v.dataSync();
      const rowShape = v.shape.slice(1);
      const rs = rowShape.reduce((a, b) => a * b, 1);
      return (i) => ENGINE.makeTensor(data.subarray(i * rs, (i + 1) * rs), rowShape, v.dtype);
    }
    if (Array.isArray(v) && v.some((e) => e instanceof Tensor || Array.isArray(e) || isPlainObject(e))) {
      const fs = v.map((e, i) => rowsOf(e, `${path}[${i}]`));
      return (i) => fs.map((f) => f(i));
    }
    if (Array.isArray(v)) {
      check(v.length, path);
      return (i) => v[i];
    }
    if (isPlainObject(v)) {
      const fs = Object.keys(v).map((k) => [k, rowsOf(v[k], path ? `${path}.${k}` : k)] as const);
      return (i) => {
        const o: Record<string, unknown> = {};
        for (const [k, f] of fs) o[k] = f(i);
        return o;
      };
    }
    fail(op, `cannot unbatch ${describe(v)}${path ? ` at ${path}` : ''}`);
  };
  const check = (n: number, path: string): void => {
    if (count === -1) count = n;
    else if (count !== n) fail(op, `all components must have the same first dimension: found ${count} and ${n}${path ? ` (at ${path})` : ''}`);
  };
  const f = rowsOf(x, '');
  const out: unknown[] = [];
  for (let i = 0; i < Math.max(count, 0); i++) out.push(f(i));
  return out;
}

// ---------------------------------------------------------------- the Dataset class

function checkCount(n: unknown, op: string, arg: string): number {
  if (typeof n !== 'number' || !(Number.isInteger(n) || n === Infinity)) fail(op, `\`${arg}\` must be an integer, received ${String(n)}`);
  return n;
}

function planIter<T>(plan: IndexPlan): LazyIterator<T> {
  const ix = plan.make();
  return new LazyIterator<T>(() => {
    const i = ix();
    return i < 0 ? DONE : { value: plan.source.element(i) as T, done: false };
  });
}

export class Dataset<T> implements AsyncIterable<T> {
  /** Number of elements when known; `Infinity` for an endless dataset, `null` when unknown. */
  readonly size: number | null;
  /** @internal the row-number plan, for datasets built on tensor slices. */
  readonly plan: IndexPlan | null;
  private readonly factory: () => Promise<LazyIterator<T>> | LazyIterator<T>;

  constructor(factory: () => Promise<LazyIterator<T>> | LazyIterator<T>, size: number | null, plan: IndexPlan | null = null) {
    this.factory = factory;
    this.size = size;
    this.plan = plan;
  }

  /** @internal */
  static fromPlan<T>(plan: IndexPlan, size: number | null): Dataset<T> {
    return new Dataset<T>(() => planIter<T>(plan), size, plan);
  }

  /** Starts a pass: each call gives an independent iterator from the start of the data. */
  async iterator(): Promise<LazyIterator<T>> {
    return await this.factory();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    let it: LazyIterator<T> | null = null;
    return {
      next: async () => {
        if (it === null) it = await this.iterator();
        return it.next();
      },
    };
  }

  /** `f(element)` for each element (awaited when it returns a promise). */
  async forEachAsync(f: (x: T) => unknown): Promise<void> {
    const it = await this.iterator();
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      await f(r.value);
    }
  }

  /** All elements, in order. Refuses an endless dataset. */
  async toArray(): Promise<T[]> {
    if (this.size === Infinity) fail('toArray', 'cannot collect an infinite dataset (use take(n) first)');
    return (await this.iterator()).toArray();
  }

  /** `f` applied to each element; `f` may be async. */
  map<U>(f: (x: T) => U | Promise<U>): Dataset<U> {
    if (typeof f !== 'function') fail('map', `\`transform\` must be a function, received ${typeof f}`);
    return new Dataset<U>(async () => {
      const it = await this.iterator();
      return new LazyIterator<U>(async () => {
        const r = await it.next();
        return r.done ? DONE : { value: await f(r.value), done: false };
      });
    }, this.size);
  }

  /** Alias of `map` (TF.js name for an async transform). */
  mapAsync<U>(f: (x: T) => Promise<U>): Dataset<U> {
    return this.map(f);
  }

  /** Elements for which `predicate` is true (it may be async). */
  filter(predicate: (x: T) => boolean | Promise<boolean>): Dataset<T> {
    if (typeof predicate !== 'function') fail('filter', `\`predicate\` must be a function, received ${typeof predicate}`);
    return new Dataset<T>(async () => {
      const it = await this.iterator();
      return new LazyIterator<T>(async () => {
        for (;;) {
          const r = await it.next();
          if (r.done) return DONE;
          if (await predicate(r.value)) return r;
        }
      });
    }, this.size === Infinity ? Infinity : null);
  }

  /**
   * Groups `batchSize` consecutive elements and stacks them (leaf by leaf). The last batch may
   * be smaller unless `dropRemainder` is true.
   */
  batch(batchSize: number, options: { dropRemainder?: boolean } | boolean = {}): Dataset<Batched<T>> {
    if (!Number.isInteger(batchSize) || batchSize < 1) fail('batch', `\`batchSize\` must be a positive integer, received ${String(batchSize)}`);
    const dropRemainder = typeof options === 'boolean' ? options : options.dropRemainder ?? false;
    const s = this.size;
    const size = s === null || s === Infinity ? s : dropRemainder ? Math.floor(s / batchSize) : Math.ceil(s / batchSize);
    const plan = this.plan;
    if (plan) {
      return new Dataset<Batched<T>>(() => {
        const ix = plan.make();
        let ended = false;
        return new LazyIterator<Batched<T>>(() => {
          if (ended) return DONE;
          const idx: number[] = [];
          while (idx.length < batchSize) {
            const i = ix();
            if (i < 0) {
              ended = true;
              break;
            }
            idx.push(i);
          }
          if (idx.length === 0 || (dropRemainder && idx.length < batchSize)) return DONE;
          return { value: plan.source.batch(idx) as Batched<T>, done: false };
        });
      }, size);
    }
    return new Dataset<Batched<T>>(async () => {
      const it = await this.iterator();
      let ended = false;
      return new LazyIterator<Batched<T>>(async () => {
        if (ended) return DONE;
        const elems: T[] = [];
        while (elems.length < batchSize) {
          const r = await it.next();
          if (r.done) {
            ended = true;
            break;
          }
          elems.push(r.value);
        }
        if (elems.length === 0 || (dropRemainder && elems.length < batchSize)) return DONE;
        return { value: batchElements(elems) as Batched<T>, done: false };
      });
    }, size);
  }

  /** Splits each element along its first axis into rows (inverse of `batch`). */
  unbatch(): Dataset<Unbatched<T>> {
    return new Dataset<Unbatched<T>>(async () => {
      const it = await this.iterator();
      let rows: unknown[] = [];
      let pos = 0;
      return new LazyIterator<Unbatched<T>>(async () => {
        while (pos >= rows.length) {
          const r = await it.next();
          if (r.done) return DONE;
          rows = unbatchElement(r.value);
          pos = 0;
        }
        return { value: rows[pos++] as Unbatched<T>, done: false };
      });
    }, this.size === Infinity ? Infinity : null);
  }

  /**
   * Buffer shuffle (see the file comment). `seed` (integer or string) makes the order
   * reproducible; without one the order comes from the global seed sequence.
   */
  shuffle(bufferSize: number, seed?: number | string, reshuffleEachIteration = true): Dataset<T> {
    if (!Number.isInteger(bufferSize) || bufferSize < 1) fail('shuffle', `\`bufferSize\` must be a positive integer, received ${String(bufferSize)}`);
    const nextStream = passStreams(seedToInt(seed, 'shuffle'), reshuffleEachIteration);
    const plan = this.plan;
    if (plan) {
      return Dataset.fromPlan<T>({
        source: plan.source,
        make: () => {
          const ix = plan.make();
          const rng = new WordSource(nextStream());
          const buf: number[] = [];
          let exhausted = false;
          return () => {
            while (!exhausted && buf.length < bufferSize) {
              const i = ix();
              if (i < 0) exhausted = true;
              else buf.push(i);
            }
            if (buf.length === 0) return -1;
            const j = rng.int(buf.length);
            const v = buf[j]!;
            buf[j] = buf[buf.length - 1]!;
            buf.pop();
            return v;
          };
        },
      }, this.size);
    }
    return new Dataset<T>(async () => {
      const it = await this.iterator();
      const rng = new WordSource(nextStream());
      const buf: T[] = [];
      let exhausted = false;
      return new LazyIterator<T>(async () => {
        while (!exhausted && buf.length < bufferSize) {
          const r = await it.next();
          if (r.done) exhausted = true;
          else buf.push(r.value);
        }
        if (buf.length === 0) return DONE;
        const j = rng.int(buf.length);
        const v = buf[j]!;
        buf[j] = buf[buf.length - 1]!;
        buf.pop();
        return { value: v, done: false };
      });
    }, this.size);
  }

  /** The data `count` times over (each pass a fresh run, e.g. a new shuffle); forever when omitted or negative. */
  repeat(count?: number): Dataset<T> {
    const c = count === undefined || count < 0 ? Infinity : checkCount(count, 'repeat', 'count');
    const s = this.size;
    const size = c === 0 || s === 0 ? 0 : s === null ? (c === Infinity ? Infinity : null) : s * c;
    const plan = this.plan;
    if (plan) {
      return Dataset.fromPlan<T>({
        source: plan.source,
        make: () => {
          let k = 0;
          let ix: IndexIter | null = null;
          let got = false;
          return () => {
            for (;;) {
              if (k >= c) return -1;
              if (ix === null) {
                ix = plan.make();
                got = false;
              }
              const i = ix();
              if (i >= 0) {
                got = true;
                return i;
              }
              ix = null;
              k++;
              if (!got) return -1; // an empty pass: stop instead of spinning forever
            }
          };
        },
      }, size);
    }
    return new Dataset<T>(async () => {
      let k = 0;
      let it: LazyIterator<T> | null = null;
      let got = false;
      return new LazyIterator<T>(async () => {
        for (;;) {
          if (k >= c) return DONE;
          if (it === null) {
            it = await this.iterator();
            got = false;
          }
          const r = await it.next();
          if (!r.done) {
            got = true;
            return r;
          }
          it = null;
          k++;
          if (!got) return DONE;
        }
      });
    }, size);
  }

  /** The first `count` elements (all of them when `count` is negative). */
  take(count: number): Dataset<T> {
    const c = count < 0 ? Infinity : checkCount(count, 'take', 'count');
    const s = this.size;
    const size = s === null ? null : Math.min(s, c);
    const plan = this.plan;
    if (plan) {
      return Dataset.fromPlan<T>({
        source: plan.source,
        make: () => {
          const ix = plan.make();
          let k = 0;
          return () => (k++ < c ? ix() : -1);
        },
      }, size);
    }
    return new Dataset<T>(async () => {
      const it = await this.iterator();
      let k = 0;
      return new LazyIterator<T>(async () => (k++ < c ? it.next() : DONE));
    }, size);
  }

  /** All but the first `count` elements (none when `count` is negative). */
  skip(count: number): Dataset<T> {
    const c = count < 0 ? Infinity : checkCount(count, 'skip', 'count');
    const s = this.size;
    const size = s === null ? null : s === Infinity ? (c === Infinity ? 0 : Infinity) : Math.max(0, s - c);
    const plan = this.plan;
    if (plan) {
      return Dataset.fromPlan<T>({
        source: plan.source,
        make: () => {
          const ix = plan.make();
          let skipped = false;
          return () => {
            if (!skipped) {
              skipped = true;
              for (let k = 0; k < c; k++) if (ix() < 0) return -1;
            }
            return ix();
          };
        },
      }, size);
    }
    return new Dataset<T>(async () => {
      const it = await this.iterator();
      let skipped = false;
      return new LazyIterator<T>(async () => {
        if (!skipped) {
          skipped = true;
          for (let k = 0; k < c; k++) if ((await it.next()).done) return DONE;
        }
        return it.next();
      });
    }, size);
  }

  /**
   * Keeps up to `bufferSize` elements requested ahead, so producing the next ones overlaps with
   * the consumer's work wherever the producer awaits (I/O, decoding with async steps).
   */
  prefetch(bufferSize: number): Dataset<T> {
    if (!Number.isInteger(bufferSize) || bufferSize < 1) fail('prefetch', `\`bufferSize\` must be a positive integer, received ${String(bufferSize)}`);
    if (this.plan) return Dataset.fromPlan<T>(this.plan, this.size); // rows are produced synchronously: nothing to overlap
    return new Dataset<T>(async () => {
      const it = await this.iterator();
      const queue: Promise<IteratorResult<T, undefined>>[] = [];
      let ended = false;
      const fill = (): void => {
        while (!ended && queue.length < bufferSize) {
          const p = it.serialNext();
          p.then((r) => {
            if (r.done) ended = true;
          }, () => {
            ended = true;
          });
          queue.push(p);
        }
      };
      return new LazyIterator<T>(async () => {
        fill();
        if (queue.length === 0) return DONE;
        const r = await queue.shift()!;
        if (r.done) {
          queue.length = 0;
          ended = true;
        } else fill();
        return r;
      });
    }, this.size);
  }

  /** This dataset's elements, then `other`'s. */
  concatenate(other: Dataset<T>): Dataset<T> {
    if (!(other instanceof Dataset)) fail('concatenate', `\`dataset\` must be a Dataset, received ${describe(other)}`);
    const a = this.size;
    const b = other.size;
    const size = a === null || b === null ? (a === Infinity || b === Infinity ? Infinity : null) : a + b;
    return new Dataset<T>(async () => {
      let it: LazyIterator<T> = await this.iterator();
      let second = false;
      return new LazyIterator<T>(async () => {
        for (;;) {
          const r = await it.next();
          if (!r.done || second) return r;
          second = true;
          it = await other.iterator();
        }
      });
    }, size);
  }

  /**
   * Remembers the elements of the first complete pass and replays them on later passes (the
   * upstream, e.g. file decoding, runs once). An interrupted first pass caches nothing.
   */
  cache(): Dataset<T> {
    let cached: T[] | null = null;
    return new Dataset<T>(async () => {
      if (cached !== null) {
        const items = cached;
        let i = 0;
        return new LazyIterator<T>(() => (i < items.length ? { value: items[i++]!, done: false } : DONE));
      }
      const it = await this.iterator();
      const seen: T[] = [];
      return new LazyIterator<T>(async () => {
        const r = await it.next();
        if (r.done) {
          if (cached === null) cached = seen;
          return DONE;
        }
        seen.push(r.value);
        return r;
      });
    }, this.size);
  }
}

// ---------------------------------------------------------------- sources

/** A dataset over the items of an array (in order). */
export function array<T>(items: readonly T[]): Dataset<T> {
  if (!Array.isArray(items)) fail('array', `\`items\` must be an array, received ${describe(items)}`);
  const copy = items.slice();
  return new Dataset<T>(() => {
    let i = 0;
    return new LazyIterator<T>(() => (i < copy.length ? { value: copy[i++]!, done: false } : DONE));
  }, copy.length);
}

/**
 * Rows of a tensor, or of nested arrays/objects of tensors sliced together along axis 0
 * (Python's `tf.data.Dataset.from_tensor_slices`). Values are read once; rows are views.
 */
export function fromTensorSlices<T>(x: T): Dataset<Unbatched<T>> {
  const source = new SliceSource(x);
  const n = source.n;
  return Dataset.fromPlan<Unbatched<T>>({
    source,
    make: () => {
      let i = 0;
      return () => (i < n ? i++ : -1);
    },
  }, n);
}

type AnyIterator<T> = Iterator<T> | AsyncIterator<T>;

/**
 * A dataset from a generator function (sync or async; anything returning an iterator). Each
 * pass calls `fn` again. The size is unknown.
 */
export function generator<T>(fn: () => AnyIterator<T> | Iterable<T> | AsyncIterable<T> | Promise<AnyIterator<T>>): Dataset<T> {
  if (typeof fn !== 'function') fail('generator', `\`generator\` must be a function returning an iterator, received ${describe(fn)}`);
  return new Dataset<T>(async () => {
    let g: unknown = await fn();
    if (g && typeof (g as { next?: unknown }).next !== 'function') {
      const anyG = g as { [Symbol.asyncIterator]?: () => AsyncIterator<T>; [Symbol.iterator]?: () => Iterator<T> };
      if (typeof anyG[Symbol.asyncIterator] === 'function') g = anyG[Symbol.asyncIterator]!();
      else if (typeof anyG[Symbol.iterator] === 'function') g = anyG[Symbol.iterator]!();
    }
    if (!g || typeof (g as { next?: unknown }).next !== 'function') fail('generator', `the function must return an iterator (e.g. be a function* or async function*), it returned ${describe(g)}`);
    const iter = g as AnyIterator<T>;
    let ended = false;
    return new LazyIterator<T>(async () => {
      if (ended) return DONE;
      const r = await iter.next();
      if (r.done) {
        ended = true;
        return DONE;
      }
      return { value: r.value, done: false };
    });
  }, null);
}

/**
 * Zips datasets into a dataset of arrays (`zip([a, b])` or `zip(a, b)`) or objects
 * (`zip({xs: a, ys: b})`); it ends with its shortest input.
 */
export function zip<T = unknown>(...args: Array<Dataset<unknown> | Dataset<unknown>[] | Record<string, Dataset<unknown>>>): Dataset<T> {
  let list: Dataset<unknown>[];
  let keys: string[] | null = null;
  if (args.length === 1 && Array.isArray(args[0])) list = args[0];
  else if (args.length === 1 && !(args[0] instanceof Dataset) && isPlainObject(args[0])) {
    const rec = args[0] as Record<string, Dataset<unknown>>;
    keys = Object.keys(rec);
    list = keys.map((k) => rec[k]!);
  } else list = args as Dataset<unknown>[];
  list.forEach((d, i) => {
    if (!(d instanceof Dataset)) fail('zip', `every input must be a Dataset: ${keys ? `input '${keys[i]}'` : `input ${i}`} is ${describe(d)}`);
  });
  // Unknown if any input's size is unknown, else the smallest (Infinity when all are endless).
  const size = list.some((d) => d.size === null) ? null : list.reduce((m, d) => Math.min(m, d.size!), list.length === 0 ? 0 : Infinity);
  return new Dataset<T>(async () => {
    const its = await Promise.all(list.map((d) => d.iterator()));
    let ended = list.length === 0;
    return new LazyIterator<T>(async () => {
      if (ended) return DONE;
      const rs = await Promise.all(its.map((it) => it.next()));
      if (rs.some((r) => r.done)) {
        ended = true;
        return DONE;
      }
      const vals = rs.map((r) => r.value);
      if (keys) {
        const o: Record<string, unknown> = {};
        keys.forEach((k, i) => (o[k] = vals[i]));
        return { value: o as T, done: false };
      }
      return { value: vals as T, done: false };
    });
  }, size);
}
