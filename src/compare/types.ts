/**
 * The structured result of `tf.compare(modelA, modelB, data, options)` — what `idem compare
 * --json` writes and what `idem report` renders. This shape is a contract: fields are only ever
 * added, never renamed or removed (`version` goes up if that ever has to change).
 *
 * A report has, in this order of sections (each always present, possibly with no rows):
 *   1. `architecture`   — layers / op kinds, output shapes, parameter shapes and counts;
 *   2. `init`           — per aligned parameter: mean, std, the std its shape predicts for the
 *                          common initializers (fan-based), the initializer each looks like;
 *   3. `forward`        — activations op by op (or layer by layer) on the same batch, inference mode;
 *   4. `forwardTraining`— the same in training mode, dropout masks drawn from the same seeds;
 *   5. `stochastic`     — each stochastic layer in training mode: fraction of units dropped;
 *   6. `gradients`      — per aligned parameter: gradient norm of each side and their difference;
 *   7. `optimizer`      — configuration (type, learning rate, betas, epsilon and its form,
 *                          momentum, ...) and the change of each parameter after one update step;
 *   8. `state`          — non-trainable state (batch-norm moving statistics): changed by a
 *                          training call or not, on each side.
 * `firstDivergence` is the first row, in that order, whose status is `'differs'`, explained:
 * `cause` in plain words and `fix` as one actionable sentence. `null` when nothing differs.
 *
 * Example (seed 000's mistake, abridged):
 * ```json
 * { "version": 1, "a": {"name": "keras", "kind": "keras"}, "b": {"name": "hand", "kind": "hand"},
 *   "identical": false,
 *   "firstDivergence": { "section": "stochastic", "where": "dropout #1 (A: dropout, B: op 4 dropout)",
 *     "cause": "Dropout in B drops 70% of units, A drops 30%: `rate` is the fraction dropped; 0.7 looks like a keep probability passed as a rate.",
 *     "fix": "In B use rate = 1 - 0.7 = 0.3." },
 *   "sections": [ { "id": "architecture", "title": "Architecture", "status": "same",
 *     "rows": [ { "item": "dense/kernel:0 ↔ hand/layer0/kernel:0", "a": "[784,256]", "b": "[784,256]",
 *                 "status": "same" } ] } , ... ] }
 * ```
 */

/**
 * - `same`: bit-identical (or configurations equal);
 * - `close`: equal within `options.tolerance` (relative), not bit for bit;
 * - `differs`: a real difference (the first one in report order becomes `firstDivergence`);
 * - `info`: a measurement with nothing to compare (e.g. a layer only one side has, a note);
 * - `skipped`: could not be measured (reason in `note`).
 */
export type RowStatus = 'same' | 'close' | 'differs' | 'info' | 'skipped';

export type SectionId = 'architecture' | 'init' | 'forward' | 'forwardTraining' | 'stochastic' | 'gradients' | 'optimizer' | 'state';

/** One line of a section's table: a named item, what A has, what B has, and the verdict. */
export interface CompareRow {
  /** What is compared, e.g. `dense_1/kernel:0 ↔ hand/layer1/kernel:0`, `op 3 relu`, `learning rate`. */
  item: string;
  /** A's value in words or numbers (formatted for a table cell). */
  a: string;
  /** B's value. */
  b: string;
  status: RowStatus;
  /** Short explanation (e.g. `max |A−B| 0.41`, `looks like glorotUniform`, a skip reason). */
  note?: string;
  /** Machine-readable figures behind the cells (names depend on the section; all numbers). */
  values?: Record<string, number | null>;
}

export interface CompareSection {
  id: SectionId;
  title: string;
  /** `differs` if any row differs, else `close` if any is close, else `same` (`skipped` if all skipped). */
  status: RowStatus;
  rows: CompareRow[];
}

/** The first place, in report order, where the two models differ, explained. */
export interface Divergence {
  section: SectionId;
  /** The row's `item` (which layer / parameter / op / setting). */
  where: string;
  /** Plain-language cause, e.g. "Dropout in B drops 70% of units, A drops 30% ...". */
  cause: string;
  /** One actionable sentence, e.g. "In B use rate = 1 - 0.7 = 0.3." */
  fix: string;
}

export interface ModelDescription {
  /** The model's name (Keras model name, or the hand model's `name`). */
  name: string;
  kind: 'keras' | 'hand';
  /** Number of parameters (trainable and not) and of trainable ones. */
  params: number;
  trainableParams: number;
}

export interface CompareReport {
  /** Shape version of this object (1). */
  version: 1;
  a: ModelDescription;
  b: ModelDescription;
  /** The batch used: its shape and the seed of the dropout masks. */
  batch: { shape: number[]; seed: number };
  /** True when no row of any section differs (every row `same`, `close`, `info` or `skipped`). */
  identical: boolean;
  firstDivergence: Divergence | null;
  /** Always the eight sections, in the order of `SectionId` above. */
  sections: CompareSection[];
  /**
   * Optional (`idem compare --steps N`): both models trained N steps on the same batches after
   * the comparison; each step's training loss and whether they stayed bit-identical.
   */
  training?: { steps: number; lossesA: number[]; lossesB: number[]; firstDifferentStep: number | null; paramsIdentical: boolean | null };
}

/** The section order of every report. */
export const SECTION_ORDER: readonly SectionId[] = ['architecture', 'init', 'forward', 'forwardTraining', 'stochastic', 'gradients', 'optimizer', 'state'];

export const SECTION_TITLES: Readonly<Record<SectionId, string>> = {
  architecture: 'Architecture',
  init: 'Initial weights',
  forward: 'Forward activations (inference)',
  forwardTraining: 'Forward activations (training, same dropout seeds)',
  stochastic: 'Stochastic layers (training mode)',
  gradients: 'Gradients',
  optimizer: 'Optimizer and one update step',
  state: 'State updates (batch-norm moving statistics)',
};

/** A finding of `tf.lint(model)`. */
export interface LintFinding {
  /** Stable rule code, e.g. `exploding-activations`, `dropout-keep-prob`. */
  code: string;
  severity: 'error' | 'warning' | 'info';
  /** The layer (or parameter / op) concerned, or null for the whole model. */
  layer: string | null;
  message: string;
  fix: string;
}
