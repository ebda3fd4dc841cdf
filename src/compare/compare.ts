/**
 * `tf.compare(modelA, modelB, data, options)`: aligns two models and explains the first place
 * where they differ. See `types.ts` for the report and `subject.ts` for the accepted models.
 *
 * How: both models run on the same batch with op-level tracing (`trace.ts`); the two op
 * sequences are aligned (longest common subsequence of op names) and the parameters by the order
 * the forward pass first uses them. After the initial-weight section, B runs with A's initial
 * weights (`sameWeights`, default true, when every aligned shape matches) so that later sections
 * show differences of computation, not of random draws. Dropout masks are drawn from seeded
 * generators owned by compare, the same for the k-th dropout of each model.
 *
 * compare changes nothing the user can observe: every variable of both models is restored to
 * its value on entry (batch-norm statistics included), dropout layers' generators and the global
 * random sequence are not advanced, and the optimizer step runs with a fresh copy of each
 * optimizer on copies of the parameters. (An unbuilt Keras model is built, as its first call would.)
 */
import { ENGINE } from '../core/engine.ts';
import { fail } from '../core/errors.ts';
import { Tensor } from '../core/tensor.ts';
import { Variable } from '../core/variable.ts';
import { variable } from '../core/api.ts';
import { variableGrads } from '../autodiff/gradients.ts';
import { slice } from '../ops/slice.ts';
import { sub } from '../ops/sub.ts';
import { SeedGenerator } from '../random/seed.ts';
import { deserializeOptimizer } from '../optimizers/index.ts';
import { BatchNormalization } from '../layers/normalization.ts';
import type { Optimizer } from '../optimizers/optimizer.ts';
import { alignOps, traceRun, type OpRecord, type Trace } from './trace.ts';
import { diff, guessInitializer, num, pct, stats } from './stats.ts';
import { splitData, toSubject, varLabel, type CompareData, type CompareModel, type Subject } from './subject.ts';
import { SECTION_ORDER, SECTION_TITLES, type CompareReport, type CompareRow, type CompareSection, type Divergence, type RowStatus, type SectionId } from './types.ts';
import { noGrad } from '../autodiff/tape.ts';

export interface CompareOptions {
  /** Seed of the dropout masks both models share (default 0). */
  seed?: number;
  /** Relative tolerance for `close` (default 1e-5): max |A−B| ≤ tolerance · max |A|, |B|. */
  tolerance?: number;
  /** Run B with A's initial weights after the initial-weight section (default true). */
  sameWeights?: boolean;
  /** Use only the first `batchSize` rows of the data (default: all). */
  batchSize?: number;
}

interface Why {
  cause: string;
  fix: string;
}

class Builder {
  readonly rows = new Map<SectionId, CompareRow[]>();
  readonly why = new Map<CompareRow, Why>();
  add(section: SectionId, row: CompareRow, why?: Why): void {
    if (!this.rows.has(section)) this.rows.set(section, []);
    this.rows.get(section)!.push(row);
    if (why) this.why.set(row, why);
  }
}

const side = (s: 'a' | 'b') => (s === 'a' ? 'A' : 'B');

function where(s: Subject, r: OpRecord): string {
  const l = r.layer ? `${r.layer.name} (${r.layer.className}) ` : '';
  const p = r.params.length ? ` · ${r.params.map((v) => `${varLabel(s, v)} [${v.shape}]`).join(', ')}` : '';
  return `${l}${r.op}${r.rate !== undefined ? ` rate ${r.rate}` : ''} → [${r.output.shape}]${p}`;
}

function shortWhere(r: OpRecord): string {
  return r.layer ? `${r.layer.name} (${r.layer.className})` : `op ${r.index + 1} ${r.op}`;
}

/** Fraction of units a dropout call dropped: outputs zero where the input was not. */
function droppedFraction(r: OpRecord): number | null {
  if (!r.input) return null;
  const x = r.input.dataSync();
  const y = r.output.dataSync();
  if (x.length !== y.length) return null;
  let live = 0;
  let dropped = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== 0) {
      live++;
      if (y[i] === 0) dropped++;
    }
  }
  return live ? dropped / live : null;
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}

/** The keep-probability explanation for two dropout rates. */
export function dropoutWhy(rA: number, rB: number, fA: number | null, fB: number | null, whereA: string, whereB: string): Why {
  const hi: 'a' | 'b' = rB > rA ? 'b' : 'a';
  const [rHi, rLo] = hi === 'a' ? [rA, rB] : [rB, rA];
  const [fHi, fLo] = hi === 'a' ? [fA, fB] : [fB, fA];
  const H = side(hi);
  const Lo = side(hi === 'a' ? 'b' : 'a');
  const wHi = hi === 'a' ? whereA : whereB;
  const dropsHi = pct(fHi ?? rHi);
  const dropsLo = pct(fLo ?? rLo);
  if (Math.abs(rA + rB - 1) < 1e-6 && rHi >= 0.5) {
    return {
      cause: `Dropout in ${H} drops ${dropsHi} of units, ${Lo} drops ${dropsLo}: \`rate\` is the fraction dropped; ${H} was given ${rHi}, which looks like a keep probability (keep ${rHi} = rate ` +
        `${round(1 - rHi)}).`,
      fix: `In ${H} (${wHi}) use rate = 1 - ${rHi} = ${round(1 - rHi)}.`,
    };
  }
  return {
    cause: `Dropout in ${H} drops ${dropsHi} of units, ${Lo} drops ${dropsLo}: the rates differ (${H} ${rHi}, ${Lo} ${rLo}; \`rate\` is the fraction dropped).`,
    fix: `Use the same dropout rate on both sides (${H}: ${wHi}).`,
  };
}

function statusOf(d: { maxAbs: number; scale: number; identical: boolean }, tol: number): RowStatus {
  if (d.identical) return 'same';
  return d.maxAbs <= tol * Math.max(d.scale, 1e-30) ? 'close' : 'differs';
}

function sectionStatus(rows: CompareRow[]): RowStatus {
  if (rows.some((r) => r.status === 'differs')) return 'differs';
  if (rows.some((r) => r.status === 'close')) return 'close';
  if (rows.length > 0 && rows.every((r) => r.status === 'skipped')) return 'skipped';
  return 'same';
}

/** Trainable (or state) variables in order of first use by the trace, then the unused ones in declaration order. */
function orderedParams(s: Subject, ops: OpRecord[], trainable: boolean): Variable[] {
  const out: Variable[] = [];
  const all = s.variables;
  const want = (v: Variable) => all.includes(v) && s.isTrainable(v) === trainable;
  for (const r of ops) for (const v of r.params) if (want(v) && !out.includes(v)) out.push(v);
  for (const v of all) if (want(v) && !out.includes(v)) out.push(v);
  return out;
}

function seedStates(s: Subject): { g: SeedGenerator; state: number }[] {
  const out: { g: SeedGenerator; state: number }[] = [];
  for (const l of s.layers) {
    for (const v of Object.values(l as unknown as Record<string, unknown>)) if (v instanceof SeedGenerator) out.push({ g: v, state: v.state });
  }
  return out;
}

function firstRows(t: Tensor, n: number | undefined): Tensor {
  if (n === undefined || n >= t.shape[0]!) return t;
  if (!Number.isInteger(n) || n < 1) fail('compare', `\`batchSize\` must be a positive integer, received ${n}`);
  return slice(t, [0], [n]);
}

const EPS_FORM: Record<string, string> = {
  Adam: 'α·m/(√v + ε), α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ) (Keras, TF1)',
  AdamW: 'α·m/(√v + ε), α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ) (Keras, TF1)',
  Adamax: 'α·m/(u + ε) (Keras)',
  RMSprop: 'lr·g/(√v + ε) (Keras)',
  Adagrad: 'lr·g/(√a + ε) (Keras)',
  Adadelta: '√(Δ + ε)/√(v + ε) (Keras)',
  SGD: 'no ε',
};

export function compare(modelA: CompareModel, modelB: CompareModel, data: CompareData, options: CompareOptions = {}): CompareReport {
  if (typeof options !== 'object' || options === null) fail('compare', '`options` must be an object {seed, tolerance, sameWeights, batchSize}');
  for (const k of Object.keys(options)) if (!['seed', 'tolerance', 'sameWeights', 'batchSize'].includes(k)) fail('compare', `unknown option \`${k}\` (expected seed, tolerance, ` +
    `sameWeights, batchSize)`);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) fail('compare', `\`seed\` must be a non-negative integer, received ${String(options.seed)}`);
  const tol = options.tolerance ?? 1e-5;
  if (!(tol >= 0)) fail('compare', `\`tolerance\` must be ≥ 0, received ${String(options.tolerance)}`);
  const sa = toSubject(modelA, 'compare', 'modelA');
  const sb = toSubject(modelB, 'compare', 'modelB');
  const d = splitData(data, 'compare');
  if (d.x === null) fail('compare', '`data` must hold an input batch x (a Tensor, {xs, ys} or [x, y])');
  const x = firstRows(d.x, options.batchSize);
  const y = d.y === null ? null : firstRows(d.y, options.batchSize);
  if (y !== null && y.shape[0] !== x.shape[0]) fail('compare', `x and y must have the same number of rows: x ${x.shape[0]}, y ${y.shape[0]}`);

  // Build unbuilt Keras models (their first call), without drawing dropout masks from their generators.
  for (const s of [sa, sb]) if (s.model && !s.model.built) noGrad(() => traceRun(() => s.forward(x, false), s.layers, seed));

  const vars = [...new Set([...sa.variables, ...sb.variables])];
  const entry = new Map<Variable, Tensor>(vars.map((v) => [v, v.read()]));
  const gens = [...seedStates(sa), ...seedStates(sb)];
  const b = new Builder();
  let sameWeightsNote = '';
  try {
    const run = (s: Subject, training: boolean): Trace<Tensor> => noGrad(() => traceRun(() => s.forward(x, training), s.layers, seed));
    let working = new Map(entry);
    const restoreWorking = () => {
      for (const v of vars) if (v.read() !== working.get(v)) v.assign(working.get(v)!);
    };

    // ---- parameters, initial weights
    // Variables an inference call changes (it should change none).
    const touched = (s: Subject) => s.variables.filter((v) => v.read() !== working.get(v) && !diff(v, working.get(v)!).identical);
    let infA = run(sa, false);
    const infChangedA = touched(sa);
    restoreWorking();
    let infB = run(sb, false);
    const infChangedB = touched(sb);
    restoreWorking();
    const pa = orderedParams(sa, infA.ops, true);
    const pb = orderedParams(sb, infB.ops, true);
    const qa = orderedParams(sa, infA.ops, false);
    const qb = orderedParams(sb, infB.ops, false);
    initSection(b, sa, sb, pa, pb, tol);

    const shapesMatch = (u: Variable[], w: Variable[]) => u.length === w.length && u.every((v, i) => v.shape.join() === w[i]!.shape.join() && v.dtype === w[i]!.dtype);
    const weightsDiffer = pa.some((v, i) => pb[i] && !diff(v, pb[i]!).identical) || qa.some((v, i) => qb[i] && !diff(v, qb[i]!).identical);
    if (options.sameWeights !== false && weightsDiffer) {
      if (shapesMatch(pa, pb) && shapesMatch(qa, qb)) {
        [...pa, ...qa].forEach((v, i) => {
          const w = [...pb, ...qb][i]!;
          if (w !== v) w.assign(v.read());
        });
        working = new Map(vars.map((v) => [v, v.read()]));
        sameWeightsNote = "B runs with A's initial weights from here on (sameWeights)";
        infB = run(sb, false);
        restoreWorking();
        infA = run(sa, false);
        restoreWorking();
      } else sameWeightsNote = 'parameter shapes differ: B keeps its own weights';
    }

    // ---- forward, inference
    forwardSection(b, 'forward', sa, sb, alignOps(infA.ops, infB.ops), tol, false);
    // ---- training-mode traces (state changes measured, then undone)
    const trA = run(sa, true);
    const changedA = new Map(qa.map((v) => [v, v.read()]));
    restoreWorking();
    const trB = run(sb, true);
    const changedB = new Map(qb.map((v) => [v, v.read()]));
    restoreWorking();
    const trainPairs = alignOps(trA.ops, trB.ops);
    architectureSection(b, sa, sb, trainPairs, pa, pb, qa, qb);
    forwardSection(b, 'forwardTraining', sa, sb, trainPairs, tol, true);
    stochasticSection(b, sa, sb, trainPairs, infA, infB, trA, trB);

    // ---- gradients and one optimizer step
    const grads = gradientSection(b, sa, sb, x, y, pa, pb, seed, tol, restoreWorking);
    optimizerSection(b, sa, sb, pa, pb, grads, tol);

    // ---- state
    stateSection(b, sa, sb, qa, qb, working, changedA, changedB, tol);
    const cell = (s: Subject, vs: Variable[]) => (vs.length ? `changes ${vs.map((v) => varLabel(s, v)).join(', ')}` : 'changes nothing');
    const bad = infChangedA.length ? 'a' : 'b';
    b.add('state', {
      item: 'inference call (training = false)',
      a: cell(sa, infChangedA),
      b: cell(sb, infChangedB),
      status: infChangedA.length === 0 && infChangedB.length === 0 ? 'same' : 'differs',
    }, {
      cause: `${side(bad)}'s inference call changes ${(bad === 'a' ? infChangedA : infChangedB).map((v) => varLabel(bad === 'a' ? sa : sb, v)).join(', ')}: moving statistics (or other state) must ` +
        `only change in training calls, or predictions drift with every evaluation.`,
      fix: `In ${side(bad)}, update state only when training is true.`,
    });
  } finally {
    for (const v of vars) if (v.read() !== entry.get(v)) v.assign(entry.get(v)!);
    for (const { g, state } of gens) g.state = state;
  }

  const sections: CompareSection[] = SECTION_ORDER.map((id) => {
    const rows = b.rows.get(id) ?? [];
    return { id, title: SECTION_TITLES[id], status: sectionStatus(rows), rows };
  });
  if (sameWeightsNote) {
    const fwd = sections.find((s) => s.id === 'forward')!;
    fwd.rows.unshift({ item: 'weights', a: 'own', b: sameWeightsNote.startsWith('B runs') ? "A's" : 'own', status: 'info', note: sameWeightsNote });
  }
  let first: Divergence | null = null;
  for (const s of sections) {
    const r = s.rows.find((row) => row.status === 'differs');
    if (r) {
      const w = b.why.get(r) ?? { cause: `${r.item}: A ${r.a}, B ${r.b}.`, fix: 'Make this item the same on both sides.' };
      first = { section: s.id, where: r.item, cause: w.cause, fix: w.fix };
      break;
    }
  }
  const count = (s: Subject) => s.variables.reduce((n, v) => n + v.size, 0);
  const countT = (s: Subject) => s.variables.filter((v) => s.isTrainable(v)).reduce((n, v) => n + v.size, 0);
  return {
    version: 1,
    a: { name: sa.name, kind: sa.kind, params: count(sa), trainableParams: countT(sa) },
    b: { name: sb.name, kind: sb.kind, params: count(sb), trainableParams: countT(sb) },
    batch: { shape: x.shape.slice(), seed },
    identical: first === null,
    firstDivergence: first,
    sections,
  };
}

// ------------------------------------------------------------------ sections

function initSection(b: Builder, sa: Subject, sb: Subject, pa: Variable[], pb: Variable[], tol: number): void {
  const n = Math.max(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const va = pa[i];
    const vb = pb[i];
    const item = `${va ? varLabel(sa, va) : '—'} ↔ ${vb ? varLabel(sb, vb) : '—'}`;
    const desc = (s: Subject, v: Variable | undefined) => {
      if (!v) return { text: 'absent', st: null, g: null };
      const st = stats(v);
      const g = guessInitializer(v.shape, st);
      return { text: `[${v.shape}] mean ${num(st.mean)} std ${num(st.std)} ~${g.name}`, st, g };
    };
    const A = desc(sa, va);
    const B = desc(sb, vb);
    const declared = (s: Subject, v: Variable | undefined) => {
      const init = v ? s.initializerOf(v) : undefined;
      return init ? init.className : null;
    };
    const dA = declared(sa, va);
    const dB = declared(sb, vb);
    const values: Record<string, number | null> = {
      meanA: A.st?.mean ?? null,
      stdA: A.st?.std ?? null,
      meanB: B.st?.mean ?? null,
      stdB: B.st?.std ?? null,
      expectedStdA: A.g?.expectedStd ?? null,
      expectedStdB: B.g?.expectedStd ?? null,
    };
    const notes: string[] = [];
    if (dA || dB) notes.push(`declared: A ${dA ?? '?'}, B ${dB ?? '?'}`);
    if (A.g?.formula && A.g.expectedStd !== 0) notes.push(`A expected std ${A.g.formula}`);
    if (B.g?.formula && B.g.formula !== A.g?.formula && B.g.expectedStd !== 0) notes.push(`B expected std ${B.g.formula}`);
    if (!va || !vb) {
      b.add('init', { item, a: A.text, b: B.text, status: 'differs', note: notes.join('; '), values }, {
        cause: `${va ? 'A' : 'B'} has a trainable parameter (${va ? varLabel(sa, va) : varLabel(sb, vb!)}) with no counterpart on the other side: the models have different numbers of parameters ` +
          `(A ${pa.length}, B ${pb.length}).`,
        fix: 'Give both models the same layers and weights (a missing bias? useBias: false on one side?).',
      });
      continue;
    }
    if (va.shape.join() !== vb.shape.join()) {
      b.add('init', { item, a: A.text, b: B.text, status: 'differs', note: notes.join('; '), values }, {
        cause: `Parameter ${i + 1} has shape [${va.shape}] in A and [${vb.shape}] in B.`,
        fix: 'Align the layer sizes (units / kernel shapes) of the two models.',
      });
      continue;
    }
    const dd = diff(va, vb);
    let status: RowStatus;
    if (dd.identical) status = 'same';
    else {
      const sA = A.st!;
      const sB = B.st!;
      const sameInit = A.g!.name === B.g!.name && A.g!.name !== 'unrecognised';
      const sameDist = sameInit
        ? Math.abs(Math.log((sA.std || 1e-30) / (sB.std || 1e-30))) < 0.15
        : sA.std > 0 && Math.abs(Math.log(sA.std / sB.std)) < 0.05 && Math.abs(sA.mean - sB.mean) < 0.1 * sA.std;
      status = sameDist ? 'close' : statusOf(dd, tol);
      if (sameDist) notes.unshift('same distribution, different values');
    }
    const row: CompareRow = { item, a: A.text, b: B.text, status, note: notes.join('; '), values: { ...values, maxAbsDiff: dd.maxAbs } };
    if (status !== 'differs') {
      b.add('init', row);
      continue;
    }
    // Which side is off? The one farther from the glorot expectation for its shape.
    const ref = guessRef(va.shape);
    const off = Math.abs(Math.log(B.st!.std / ref)) > Math.abs(Math.log(A.st!.std / ref)) ? 'b' : 'a';
    const [bad, good] = off === 'b' ? [B, A] : [A, B];
    const badName = varLabel(off === 'b' ? sb : sa, off === 'b' ? vb : va);
    const ratio = bad.st!.std / Math.max(good.st!.std, 1e-30);
    const goodInit = good.g!.name !== 'unrecognised' ? good.g!.name : 'glorotUniform';
    b.add('init', row, {
      cause: `${side(off)}'s initial ${badName} has std ${num(bad.st!.std)} (looks like ${bad.g!.name}), ${side(off === 'a' ? 'b' : 'a')}'s ${num(good.st!.std)} ` +
        `(${good.g!.name}${good.g!.formula ? `, expected ${good.g!.formula}` : ''}): ${side(off)}'s weights start ${num(ratio)}× ${ratio > 1 ? 'larger' : 'smaller'}, so its activations ` +
          `${ratio > 1 ? 'explode' : 'shrink'} layer by layer.`,
      fix: `Initialise ${side(off)}'s ${badName} like ${side(off === 'a' ? 'b' : 'a')}'s: ` +
        `${goodInit}${goodInit.startsWith('glorot') ? " (Keras Dense's default; tf.initializers.glorotUniform())" : ''}.`,
    });
  }
}

function guessRef(shape: number[]): number {
  if (shape.length < 2) return 1;
  const fi = shape.length === 2 ? shape[0]! : shape[shape.length - 2]! * shape.slice(0, -2).reduce((p, q) => p * q, 1);
  const fo = shape.length === 2 ? shape[1]! : shape[shape.length - 1]! * shape.slice(0, -2).reduce((p, q) => p * q, 1);
  return Math.sqrt(2 / (fi + fo));
}

function onlyWhy(present: 'a' | 'b', r: OpRecord, s: Subject, training: boolean): Why {
  const P = side(present);
  const O = side(present === 'a' ? 'b' : 'a');
  if (r.op === 'dropout') {
    return training
      ? {
        cause: `${P} applies dropout (rate ${r.rate}, ${shortWhere(r)}) in training mode and ${O} applies none there: ` +
          `${O} lacks the Dropout or never sees the training flag.`,
        fix: `Apply the same dropout in ${O}, and pass \`training\` through to it.`,
      }
      : {
        cause: `${P} applies dropout (${shortWhere(r)}) with training = false: in inference dropout must be the identity.`,
        fix: `In ${P}, apply dropout only when training (pass the learning phase: fn(x, training) → if (training) ...).`,
      };
  }
  if (r.op === 'softmax' || r.op === 'sigmoid') {
    return { cause: `${P} applies ${r.op} (${shortWhere(r)}) that ${O} does not: one model outputs probabilities, the other logits.`, fix: `Use the same output: logits with a fromLogits / ` +
      `*_with_logits loss on both sides, or ${r.op} on both with a probability loss.` };
  }
  return { cause: `${P} computes ${r.op} (${where(s, r)}) with no counterpart in ${O}.`, fix: `Give both models the same layers/ops (add ${r.op} to ${O} or remove it from ${P}).` };
}

function architectureSection(b: Builder, sa: Subject, sb: Subject, pairs: { a: OpRecord | null; b: OpRecord | null }[], pa: Variable[], pb: Variable[], qa: Variable[], qb: Variable[]): void {
  const count = (vs: Variable[]) => vs.reduce((n, v) => n + v.size, 0);
  const cA = count(pa);
  const cB = count(pb);
  const frozenSplit = cA + count(qa) === cB + count(qb) && cA !== cB;
  const fewer = cA < cB ? 'A' : 'B';
  b.add('architecture', { item: 'trainable parameters', a: `${pa.length} tensors, ${cA.toLocaleString('en-US')} values`, b: `${pb.length} tensors, ` +
    `${cB.toLocaleString('en-US')} values`, status: cA === cB && pa.length === pb.length ? 'same' : 'differs', values: { a: cA, b: cB } }, frozenSplit ? {
    cause: `${fewer} trains ${Math.abs(cA - cB).toLocaleString('en-US')} fewer values than the other although both hold the same weights: ${fewer} has frozen layers or variables (trainable ` +
      `false), so its optimizer will not change them.`,
    fix: `Set trainable to the same value on both sides (layer.trainable = true, or tf.variable(value, true, name)) if those weights are meant to learn.`,
  } : {
    cause: `The models have different trainable parameters: A ${pa.length} tensors (${cA.toLocaleString('en-US')} values), B ${pb.length} (${cB.toLocaleString('en-US')}).`,
    fix: 'Make the layer sizes and bias usage the same on both sides.',
  });
  const sA = count(qa);
  const sB = count(qb);
  b.add('architecture', { item: 'state (non-trainable)', a: `${qa.length} tensors, ${sA.toLocaleString('en-US')} values`, b: `${qb.length} tensors, ` +
    `${sB.toLocaleString('en-US')} values`, status: sA === sB && qa.length === qb.length ? 'same' : 'differs', values: { a: sA, b: sB } }, {
    cause: `The models keep different non-trainable state: A ${qa.length} tensors, B ${qb.length} (batch-norm moving statistics missing on one side, or frozen weights).`,
    fix: 'Give both the same batch-norm layers; list moving statistics among a hand model\'s variables.',
  });
  let k = 0;
  for (const p of pairs) {
    k++;
    const item = `#${k} ${(p.a ?? p.b)!.op}`;
    const A = p.a ? where(sa, p.a) : 'absent';
    const B = p.b ? where(sb, p.b) : 'absent';
    if (!p.a || !p.b) {
      b.add('architecture', { item, a: A, b: B, status: 'differs' }, onlyWhy(p.a ? 'a' : 'b', (p.a ?? p.b)!, p.a ? sa : sb, true));
      continue;
    }
    const problems: string[] = [];
    if (p.a.output.shape.join() !== p.b.output.shape.join()) problems.push(`output shape [${p.a.output.shape}] vs [${p.b.output.shape}]`);
    const ps = (r: OpRecord) => r.params.map((v) => `[${v.shape}]`).join(',');
    if (ps(p.a) !== ps(p.b)) problems.push(`parameters ${ps(p.a) || 'none'} vs ${ps(p.b) || 'none'}`);
    if (p.a.op === 'dropout' && p.a.rate !== p.b.rate) {
      const w = dropoutWhy(p.a.rate ?? 0, p.b.rate ?? 0, droppedFraction(p.a), droppedFraction(p.b), shortWhere(p.a), shortWhere(p.b));
      b.add('architecture', { item: `${item} rate`, a: A, b: B, status: 'differs', note: `rate ${p.a.rate} vs ${p.b.rate}`, values: { rateA: p.a.rate ?? null, rateB: p.b.rate ?? null } }, w);
      continue;
    }
    if (problems.length) {
      b.add('architecture', { item, a: A, b: B, status: 'differs', note: problems.join('; ') }, {
        cause: `At ${item} the models differ in structure: ${problems.join('; ')} (A ${shortWhere(p.a)}, B ${shortWhere(p.b)}).`,
        fix: 'Align the layer sizes and order of the two models.',
      });
    } else b.add('architecture', { item, a: A, b: B, status: 'same' });
  }
}

function forwardSection(b: Builder, id: SectionId, sa: Subject, sb: Subject, pairs: { a: OpRecord | null; b: OpRecord | null }[], tol: number, training: boolean): void {
  let k = 0;
  for (const p of pairs) {
    k++;
    const item = `#${k} ${(p.a ?? p.b)!.op} ${p.a ? shortWhere(p.a) : ''}${p.a && p.b ? ' ↔ ' : ''}${p.b ? shortWhere(p.b) : ''}`.trim();
    if (!p.a || !p.b) {
      const r = (p.a ?? p.b)!;
      const s = stats(r.output);
      const cell = `mean ${num(s.mean)} std ${num(s.std)}`;
      b.add(id, { item, a: p.a ? cell : 'absent', b: p.b ? cell : 'absent', status: 'differs' }, onlyWhy(p.a ? 'a' : 'b', r, p.a ? sa : sb, training));
      continue;
    }
    const A = stats(p.a.output);
    const B = stats(p.b.output);
    const cellA = `mean ${num(A.mean)} std ${num(A.std)}`;
    const cellB = `mean ${num(B.mean)} std ${num(B.std)}`;
    if (p.a.output.shape.join() !== p.b.output.shape.join()) {
      b.add(id, { item, a: `[${p.a.output.shape}] ${cellA}`, b: `[${p.b.output.shape}] ${cellB}`, status: 'differs' }, {
        cause: `${item}: output shapes differ, [${p.a.output.shape}] vs [${p.b.output.shape}].`,
        fix: 'Align the layer sizes of the two models.',
      });
      continue;
    }
    const d = diff(p.a.output, p.b.output);
    const status = statusOf(d, tol);
    const row: CompareRow = {
      item,
      a: cellA,
      b: cellB,
      status,
      note: d.identical ? 'bit-identical' : `max |A−B| ${num(d.maxAbs)}`,
      values: { meanA: A.mean, stdA: A.std, meanB: B.mean, stdB: B.std, maxAbsDiff: d.maxAbs },
    };
    if (status !== 'differs') {
      b.add(id, row);
      continue;
    }
    let why: Why;
    if (p.a.op === 'dropout' && p.a.rate !== p.b.rate) {
      why = dropoutWhy(p.a.rate ?? 0, p.b.rate ?? 0, droppedFraction(p.a), droppedFraction(p.b), shortWhere(p.a), shortWhere(p.b));
    } else {
      const inSame = p.a.input && p.b.input && p.a.input.shape.join() === p.b.input.shape.join() ? diff(p.a.input, p.b.input).identical : false;
      const paramsSame = p.a.params.length === p.b.params.length && p.a.params.every((v, i) => diff(v, p.b!.params[i]!).identical);
      why = inSame
        ? paramsSame
          ? {
            cause: `${item}: same input and weights, different output (max |A−B| ${num(d.maxAbs)}): ` +
              'the op is configured differently (activation, axis, epsilon, ...).',
            fix: `Compare the arguments of ${p.a.op} in A (${shortWhere(p.a)}) and B (${shortWhere(p.b)}).`,
          }
          : {
            cause: `${item}: the weights used here differ (max |A−B| of the output ${num(d.maxAbs)}).`,
            fix: "Initialise both models alike (see the initial-weight section) or copy A's weights into B.",
          }
        : { cause: `${item}: the outputs differ (max |A−B| ${num(d.maxAbs)}) and so does what flows in: an earlier difference the alignment ` +
          `could not pin down.`, fix: 'Check the rows above this one.' };
    }
    b.add(id, row, why);
  }
}

function stochasticSection(
  b: Builder, sa: Subject, sb: Subject,
  pairs: { a: OpRecord | null; b: OpRecord | null }[],
  infA: Trace<Tensor>, infB: Trace<Tensor>, trA: Trace<Tensor>, trB: Trace<Tensor>,
): void {
  let k = 0;
  for (const p of pairs) {
    const r = p.a ?? p.b!;
    if (r.op !== 'dropout') continue;
    k++;
    const fa = p.a ? droppedFraction(p.a) : null;
    const fb = p.b ? droppedFraction(p.b) : null;
    const cell = (q: OpRecord | null, f: number | null) => (q ? `drops ${f === null ? '?' : pct(f)} of units (rate ${q.rate})` : 'no dropout in training mode');
    const item = `dropout #${k} ${p.a ? shortWhere(p.a) : '—'} ↔ ${p.b ? shortWhere(p.b) : '—'}`;
    const values = { droppedA: fa, droppedB: fb, rateA: p.a?.rate ?? null, rateB: p.b?.rate ?? null };
    if (!p.a || !p.b) {
      b.add('stochastic', { item, a: cell(p.a, fa), b: cell(p.b, fb), status: 'differs', values }, onlyWhy(p.a ? 'a' : 'b', r, p.a ? sa : sb, true));
      continue;
    }
    const same = p.a.rate === p.b.rate;
    b.add('stochastic', {
      item,
      a: cell(p.a, fa),
      b: cell(p.b, fb),
      status: same ? 'same' : 'differs',
      values,
    }, same ? undefined : dropoutWhy(p.a.rate ?? 0, p.b.rate ?? 0, fa, fb, shortWhere(p.a), shortWhere(p.b)));
  }
  // The learning phase: does training mode change the output at all?
  const phase = (inf: Trace<Tensor>, tr: Trace<Tensor>) => !diff(inf.result, tr.result).identical;
  const hasStochastic = (tr: Trace<Tensor>, inf: Trace<Tensor>) => tr.ops.some((o) => ['dropout', 'moments', 'batchNorm'].includes(o.op)) || inf.ops.some((o) => o.op === 'dropout');
  const ca = phase(infA, trA);
  const cb = phase(infB, trB);
  const cell = (c: boolean) => (c ? 'training output ≠ inference output' : 'training output = inference output');
  const status: RowStatus = ca === cb ? 'same' : 'differs';
  const silent = ca ? 'b' : 'a';
  b.add('stochastic', { item: 'learning phase (training vs inference call)', a: cell(ca), b: cell(cb), status }, status === 'same' ? undefined : {
    cause: `${side(silent)} gives the same output with training true and ` +
      `false${hasStochastic(silent === 'a' ? trA : trB, silent === 'a' ? infA : infB) ? ' although it has dropout / batch-norm ops' : ''}, ${side(silent === 'a' ? 'b' : 'a')} does not: ` +
        `${side(silent)} never sees the learning phase (dropout and batch norm behave as in inference, or as in training, always).`,
    fix: `Pass the training flag through ${side(silent)}'s forward pass (call layers with {training}, or apply dropout / batch statistics only when training).`,
  });
}

function gradientSection(
  b: Builder, sa: Subject, sb: Subject,
  x: Tensor, y: Tensor | null,
  pa: Variable[], pb: Variable[],
  seed: number, tol: number, restore: () => void,
): { a: (Tensor | null)[] | null; b: (Tensor | null)[] | null } {
  const skip = (why: string) => {
    b.add('gradients', { item: 'gradients', a: '—', b: '—', status: 'skipped', note: why });
    return { a: null, b: null };
  };
  if (y === null) return skip('no labels in data (pass {xs, ys} or [x, y])');
  if (!sa.loss || !sb.loss) return skip(`${!sa.loss ? 'A' : 'B'} has no loss (compile the Keras model, or give the hand model \`loss\`)`);
  const one = (s: Subject, ps: Variable[]) => {
    const live = ps.filter((v) => v.trainable);
    try {
      const { value, grads } = traceRun(() => variableGrads(() => s.loss!(y, s.forward(x, true)), live), s.layers, seed).result;
      return { loss: value, grads: ps.map((v) => (v.trainable ? grads[v.name] ?? null : null)) };
    } finally {
      restore();
    }
  };
  const A = one(sa, pa);
  const B = one(sb, pb);
  const la = A.loss.dataSync()[0]!;
  const lb = B.loss.dataSync()[0]!;
  const dl = diff(A.loss, B.loss);
  const ls = statusOf(dl, tol);
  const lossName = (s: Subject) => (s.kerasLoss ? `${s.kerasLoss.name}${s.kerasLoss.fromLogits ? ' (fromLogits)' : ''}` : 'custom function');
  b.add('gradients', {
    item: 'loss on the batch (training mode)',
    a: `${num(la)} · ${lossName(sa)}`,
    b: `${num(lb)} · ${lossName(sb)}`,
    status: ls,
    note: dl.identical ? 'bit-identical' : `|A−B| ${num(dl.maxAbs)}`,
    values: { lossA: la, lossB: lb },
  }, {
    cause: `The losses differ on the same batch (A ${num(la)}, B ${num(lb)}) although the forward passes agree: A uses ${lossName(sa)}, B ${lossName(sb)}; a probability loss on logits, a sum ` +
      `instead of a mean, or different labels handling.`,
    fix: 'Use the same loss, reduced the same way (mean over the batch), on the same kind of output (logits with fromLogits / *_with_logits).',
  });
  const n = Math.max(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const ga = A.grads[i] ?? null;
    const gb = B.grads[i] ?? null;
    const item = `∂loss/∂${pa[i] ? varLabel(sa, pa[i]!) : '—'} ↔ ${pb[i] ? varLabel(sb, pb[i]!) : '—'}`;
    const norm = (g: Tensor | null) => (g ? Math.sqrt(Array.from(g.dataSync()).reduce((s, v) => s + v * v, 0)) : null);
    const na = norm(ga);
    const nb = norm(gb);
    const cell = (nn: number | null, v: Variable | undefined) => (v === undefined ? 'absent' : !v.trainable ? 'frozen (trainable false)' : nn === null ? 'no gradient' : `‖g‖ ${num(nn)}`);
    if (!ga || !gb || ga.shape.join() !== gb.shape.join()) {
      const frozen = pa[i] && pb[i] && pa[i]!.trainable !== pb[i]!.trainable;
      b.add('gradients', { item, a: cell(na, pa[i]), b: cell(nb, pb[i]), status: ga === null && gb === null ? 'same' : 'differs', values: { normA: na, normB: nb } }, {
        cause: frozen ? `${pa[i]!.trainable ? 'B' : 'A'} has ${item.slice(7)} frozen (trainable false), the other trains it.` : `${item}: one side gets no gradient (the weight does not ` +
          `reach the loss there).`,
        fix: frozen ? 'Set the same `trainable` on both sides.' : 'Check that the weight is used in the forward pass of both models.',
      });
      continue;
    }
    const d = diff(ga, gb);
    b.add('gradients', {
      item,
      a: cell(na, pa[i]),
      b: cell(nb, pb[i]),
      status: statusOf(d, tol),
      note: d.identical ? 'bit-identical' : `max |A−B| ${num(d.maxAbs)}`,
      values: { normA: na, normB: nb, maxAbsDiff: d.maxAbs },
    }, {
      cause: `${item} differs (max |A−B| ${num(d.maxAbs)}) while the loss agrees: a regularization penalty, loss weights or a stop-gradient on one side.`,
      fix: 'Make the loss terms (regularizers, weights) the same on both sides.',
    });
  }
  return { a: A.grads, b: B.grads };
}

function optimizerSection(b: Builder, sa: Subject, sb: Subject, pa: Variable[], pb: Variable[], grads: { a: (Tensor | null)[] | null; b: (Tensor | null)[] | null }, tol: number): void {
  const oa = sa.optimizer;
  const ob = sb.optimizer;
  if (!oa || !ob) {
    b.add('optimizer', { item: 'optimizer', a: oa ? oa.className : 'none', b: ob ? ob.className : 'none', status: 'skipped', note: `${!oa ? 'A' : 'B'} has no optimizer (compile the Keras model, ` +
      `or give the hand model \`optimizer\`)` });
    return;
  }
  const ca = oa.getConfig();
  const cb = ob.getConfig();
  const show = (v: unknown) => (v === undefined ? '—' : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  b.add('optimizer', { item: 'type', a: oa.className, b: ob.className, status: oa.className === ob.className ? 'same' : 'differs' }, {
    cause: `A trains with ${oa.className}, B with ${ob.className}.`,
    fix: 'Use the same optimizer class on both sides.',
  });
  const keys = [...new Set([...Object.keys(ca), ...Object.keys(cb)])].filter((k) => k !== 'name');
  keys.sort((p, q) => (p === 'learning_rate' ? -1 : q === 'learning_rate' ? 1 : 0));
  for (const k of keys) {
    const va = show(ca[k]);
    const vb = show(cb[k]);
    if (va === vb && (va === 'null' || ['use_ema', 'ema_momentum', 'ema_overwrite_frequency', 'gradient_accumulation_steps', 'loss_scale_factor'].includes(k))) continue;
    const hint = k === 'epsilon' ? ' (Keras default 1e-7, TF1 AdamOptimizer 1e-8)' : '';
    b.add('optimizer', { item: k, a: va, b: vb, status: va === vb ? 'same' : 'differs' }, {
      cause: `Optimizer setting \`${k}\` differs: A ${va}, B ${vb}${hint}.`,
      fix: `Pass the same ${k} to both optimizers.`,
    });
  }
  const fa = EPS_FORM[oa.className] ?? 'unknown';
  const fb = EPS_FORM[ob.className] ?? 'unknown';
  b.add('optimizer', { item: 'epsilon form', a: fa, b: fb, status: fa === fb ? 'same' : 'info' });
  if (!grads.a || !grads.b) {
    b.add('optimizer', { item: 'one update step', a: '—', b: '—', status: 'skipped', note: 'needs gradients (labels and a loss on both sides)' });
    return;
  }
  const step = (o: Optimizer, ps: Variable[], gs: (Tensor | null)[], tag: string): (Tensor | null)[] => {
    const before = new Set(ENGINE.liveVariables());
    try {
      const fresh = deserializeOptimizer(o.serialize());
      const copies = ps.map((v, i) => (gs[i] ? variable(v.read(), true, `compare_${tag}_${i}/${v.name.replace(/:\d+$/, '')}`) : null));
      fresh.applyGradients(copies.flatMap((c, i) => (c ? [[gs[i]!, c] as [Tensor, Variable]] : [])));
      return copies.map((c, i) => (c ? sub(c.read(), ps[i]!) : null));
    } finally {
      // The copies and the fresh optimizer's slots leave no trace in tf.globalVariables().
      for (const v of ENGINE.liveVariables()) if (!before.has(v)) v.dispose();
    }
  };
  // Both optimizers step from A's gradients (where shapes match): the rows show the optimizers' difference alone.
  const gb = pb.map((v, i) => (grads.a![i] && grads.b![i] && grads.a![i]!.shape.join() === v.shape.join() ? grads.a![i]! : grads.b![i] ?? null));
  const da = step(oa, pa, grads.a, 'a');
  const db = step(ob, pb, gb, 'b');
  const n = Math.max(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const item = `Δ${pa[i] ? varLabel(sa, pa[i]!) : '—'} ↔ ${pb[i] ? varLabel(sb, pb[i]!) : '—'}`;
    const ua = da[i] ?? null;
    const ub = db[i] ?? null;
    const mx = (t: Tensor | null) => {
      if (!t) return null;
      let m = 0;
      for (const v of t.dataSync()) m = Math.max(m, Math.abs(Number(v)));
      return m;
    };
    if (!ua || !ub || ua.shape.join() !== ub.shape.join()) {
      b.add('optimizer', { item, a: ua ? `max |Δ| ${num(mx(ua))}` : 'no update', b: ub ? `max |Δ| ${num(mx(ub))}` : 'no update', status: !ua && !ub ? 'same' : 'differs' });
      continue;
    }
    const d = diff(ua, ub);
    b.add('optimizer', {
      item,
      a: `max |Δ| ${num(mx(ua))}`,
      b: `max |Δ| ${num(mx(ub))}`,
      status: statusOf(d, tol),
      note: d.identical ? 'bit-identical' : `max |A−B| ${num(d.maxAbs)}`,
      values: { maxAbsDiff: d.maxAbs },
    }, {
      cause: `One update step from the same gradients (A's) changes ${item.slice(1)} differently (max |A−B| ${num(d.maxAbs)}): the optimizers compute their step differently.`,
      fix: 'Use the same optimizer and settings (see the rows above).',
    });
  }
}

function bnOf(s: Subject, v: Variable): BatchNormalization | null {
  for (const l of s.layers) if (l instanceof BatchNormalization && (l.movingMean === v || l.movingVariance === v)) return l;
  return null;
}

function stateSection(
  b: Builder, sa: Subject, sb: Subject,
  qa: Variable[], qb: Variable[],
  working: Map<Variable, Tensor>, afterA: Map<Variable, Tensor>, afterB: Map<Variable, Tensor>,
  tol: number,
): void {
  const n = Math.max(qa.length, qb.length);
  if (n === 0) {
    b.add('state', { item: 'state variables', a: 'none', b: 'none', status: 'same' });
    return;
  }
  for (let i = 0; i < n; i++) {
    const va = qa[i];
    const vb = qb[i];
    const item = `${va ? varLabel(sa, va) : '—'} ↔ ${vb ? varLabel(sb, vb) : '—'}`;
    const change = (v: Variable | undefined, after: Map<Variable, Tensor>) => {
      if (!v) return null;
      const t = after.get(v)!;
      const d = diff(working.get(v)!, t);
      return { changed: !d.identical, max: d.maxAbs, value: t };
    };
    const A = change(va, afterA);
    const B = change(vb, afterB);
    const cell = (c: typeof A) => (c === null ? 'absent' : c.changed ? `updated in training (max |Δ| ${num(c.max)})` : 'unchanged in training');
    if (!A || !B) {
      b.add('state', { item, a: cell(A), b: cell(B), status: 'differs' }, { cause: `${A ? 'A' : 'B'} keeps state ${item} that the other lacks.`, fix: 'Give both models the same batch-norm layers ' +
        '(a hand model lists its moving statistics among its variables).' });
      continue;
    }
    if (A.changed !== B.changed) {
      const stuck = A.changed ? 'B' : 'A';
      b.add('state', { item, a: cell(A), b: cell(B), status: 'differs' }, {
        cause: `${stuck} never updates ${stuck === 'A' ? varLabel(sa, va!) : varLabel(sb, vb!)} in a training call: its batch-norm moving statistics stay at their initial values, so inference ` +
          `normalizes with the wrong statistics.`,
        fix: `Update the moving averages inside ${stuck}'s training call (moving = moving·momentum + batch·(1 − momentum)), as Keras BatchNormalization does, or call the layer with training: true.`,
      });
      continue;
    }
    const d = diff(A.value, B.value);
    const bnA = bnOf(sa, va!);
    const bnB = bnOf(sb, vb!);
    const momenta = bnA && bnB && bnA.momentum !== bnB.momentum ? ` A's batch norm has momentum ${bnA.momentum}, B's ${bnB.momentum}.` : '';
    b.add('state', { item, a: cell(A), b: cell(B), status: statusOf(d, tol), note: d.identical ? 'bit-identical after one training call' : `max |A−B| ${num(d.maxAbs)}` }, {
      cause: `${item}: both update it in training, by different amounts (max |A−B| ` +
        `${num(d.maxAbs)}):${momenta || ' the momentum (Keras 0.99; TF1 decay 0.999) or the variance estimate (biased vs unbiased) differs.'}`,
      fix: momenta ? `Use the same momentum on both sides (Keras default 0.99).` : 'Use the same momentum and variance estimate on both sides.',
    });
  }
}
