/**
 * Seeds. The rules (TensorFlow 2's, with Keras `SeedGenerator` semantics):
 *
 * - There is one global seed, 0 when the program starts (idem is deterministic by default).
 *   `tf.setSeed(s)` (alias `tf.randomSeed`) sets it and restarts every sequence below.
 * - A random op without a seed draws the next stream of the global sequence: the same program
 *   gives the same numbers on every run, and each call gives new numbers.
 * - A random op with an integer `seed` draws the next stream of the sequence named by
 *   (global seed, seed): deterministic, not constant — two calls with `seed: 7` give two
 *   different tensors, and the pair repeats on the next run or after `setSeed`. `seed: 0` is a seed.
 * - A `SeedGenerator` object owns its own sequence (Keras layers such as Dropout hold one);
 *   it is independent of every other draw, so adding a random op elsewhere never changes it.
 *   It does not restart on `setSeed` (create a new one).
 *
 * A stream is a Philox key (from the seeds) plus a 64-bit stream number; element i of a draw
 * uses counter block i/4 of it. All backends share this generator, so draws are identical on
 * every backend and thread count.
 */
import { fail } from '../core/errors.ts';
import { philoxBlock, philoxWords } from './philox.ts';

let globalSeed = 0;
let unseededGenerators = 0;
const sequences = new Map<string, number>();

function checkSeed(seed: unknown, op: string): number {
  return seedToInteger(seed, op);
}

/**
 * A seed as the integer that names its sequence. Integers are themselves; other finite numbers
 * (TF.js takes any number: `seed: 0.5`, `Date.now() / 1000`) map to an integer made from their
 * float64 bits, so distinct numbers name distinct sequences and the mapping never changes.
 */
export function seedToInteger(seed: unknown, op: string): number {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) fail(op, `\`seed\` must be a finite number, received ${String(seed)}`);
  if (Number.isSafeInteger(seed)) return seed;
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, seed);
  // 53 bits: the high word's low 21 bits and the low word.
  return (bits.getUint32(0) & 0x1fffff) * 4294967296 + bits.getUint32(4);
}

function splitSeed(s: number): [number, number] {
  const lo = s >>> 0;
  const hi = Math.floor(s / 4294967296) >>> 0;
  return [lo, hi];
}

/** A Philox key derived from (global seed, op seed) by one Philox block (good mixing, no collisions of note). */
export function deriveKey(global: number, opSeed: number, salt: number): [number, number] {
  const [g0, g1] = splitSeed(global);
  const [o0, o1] = splitSeed(opSeed);
  const out = new Uint32Array(4);
  philoxBlock(o0, o1, salt >>> 0, 0x5eed5eed, g0, g1, out);
  return [out[0]!, out[1]!];
}

export function setSeed(seed: number): void {
  globalSeed = checkSeed(seed, 'setSeed');
  sequences.clear();
  unseededGenerators = 0;
}

export function getGlobalSeed(): number {
  return globalSeed;
}

/**
 * The global random state: the global seed and how far each sequence has advanced (the global
 * sequence that unseeded ops and `fit`'s shuffle draw from, each integer op seed's sequence, and
 * the count of SeedGenerators created without a seed). Plain JSON: save it next to a checkpoint
 * and give it back to `setRandomState` to resume a run exactly (`SeedGenerator`s carry their own
 * state).
 */
export interface RandomState {
  globalSeed: number;
  unseededGenerators: number;
  sequences: Record<string, number>;
}

export function getRandomState(): RandomState {
  return { globalSeed, unseededGenerators, sequences: Object.fromEntries(sequences) };
}

export function setRandomState(state: RandomState): void {
  const op = 'setRandomState';
  if (state === null || typeof state !== 'object') fail(op, `\`state\` must be an object from getRandomState(), received ${String(state)}`);
  const g = checkSeed(state.globalSeed, op);
  const u = state.unseededGenerators;
  if (!Number.isSafeInteger(u) || u < 0) fail(op, `\`unseededGenerators\` must be a non-negative integer, received ${String(u)}`);
  const seqs = state.sequences;
  if (seqs === null || typeof seqs !== 'object' || Array.isArray(seqs)) fail(op, `\`sequences\` must be an object of counters, received ${JSON.stringify(seqs)}`);
  for (const [k, v] of Object.entries(seqs)) {
    if (!/^(global|s-?\d+)$/.test(k)) fail(op, `\`sequences\` has an unknown key '${k}' (expected 'global' or 's<seed>')`);
    if (!Number.isSafeInteger(v) || (v as number) < 0) fail(op, `\`sequences.${k}\` must be a non-negative integer, received ${String(v)}`);
  }
  globalSeed = g;
  unseededGenerators = u;
  sequences.clear();
  for (const [k, v] of Object.entries(seqs)) sequences.set(k, v as number);
}

/** Where a draw comes from. */
export interface Stream {
  key: [number, number];
  stream: number;
}

/** Keras-style seed generator: a key fixed at construction and a counter advanced by each draw. */
export class SeedGenerator {
  readonly seed: number;
  private readonly key: [number, number];
  private count = 0;
  constructor(seed?: number) {
    this.seed = seed === undefined ? nextUnseeded() : checkSeed(seed, 'SeedGenerator');
    this.key = deriveKey(this.seed, 0, 0x5eed6e4e);
  }
  /** The next stream (advances the state). */
  next(): Stream {
    return { key: this.key, stream: this.count++ };
  }
  /** Number of draws taken so far (its state, as Keras's `state` variable). */
  get state(): number {
    return this.count;
  }
  set state(n: number) {
    this.count = n;
  }
  getConfig(): { seed: number } {
    return { seed: this.seed };
  }
}

/** Seed for a SeedGenerator created without one: the next of the global sequence. */
function nextUnseeded(): number {
  return deriveKey(globalSeed, unseededGenerators++, 0x6e6f5eed)[0];
}

export type SeedLike = number | SeedGenerator | undefined | null;

/** The stream for the next draw of an op given `seed` (see the rules above). */
export function nextStream(seed: SeedLike, op: string): Stream {
  if (seed instanceof SeedGenerator) return seed.next();
  const named = seed !== undefined && seed !== null;
  const s = named ? checkSeed(seed, op) : 0;
  const name = named ? `s${s}` : 'global';
  const n = sequences.get(name) ?? 0;
  sequences.set(name, n + 1);
  return { key: deriveKey(globalSeed, s, named ? 1 : 2), stream: n };
}

/** Checks a seed argument without drawing (a shape probe's stand-in for a draw). */
export function checkSeedLike(seed: SeedLike, op: string): void {
  if (seed !== undefined && seed !== null && !(seed instanceof SeedGenerator)) checkSeed(seed, op);
}

/** `n` uint32 words from a stream. */
export function randomWords(st: Stream, n: number): Uint32Array {
  return philoxWords(st.key, st.stream, n);
}

/** Standard normals by Box–Muller over consecutive pairs of words (float64). */
export function normalsFromWords(words: Uint32Array, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    // u1 in (0, 1]: never log(0).
    const u1 = ((words[i]! >>> 9) + 1) * 1.1920928955078125e-7;
    const u2 = (words[i + 1]! >>> 9) * 1.1920928955078125e-7;
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}
