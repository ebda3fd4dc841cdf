/**
 * Seed 002 ("Investigate the relationship between TensorFlow and Keras in transition"): the
 * variable-name and reuse experiment, with idem's two APIs.
 *
 * The thread builds the same 784 → 512 → 512 → 10 MLP four times on one placeholder (TF1 graph):
 *   1. Keras `Dense` layers named my_dense1, my_dense2, my_softmax inside `variable_scope('mlp_model')`;
 *   2. the same Keras layers again inside `variable_scope('mlp_model', reuse=True)`;
 *   3. the low-level form (`tf.layers.dense`, names his_dense1..3) inside `variable_scope('mlp_by_tflayers')`;
 *   4. the low-level form again with `reuse=True`.
 * and lists `tf.global_variables()`. In TensorFlow 1.1, (2) ignored `reuse` and silently made a
 * second set of variables under a renamed scope, `mlp_model_1/...`, while (4) shared (3)'s.
 *
 * In idem both forms go through the same variable store: a Keras layer's `addWeight` inside a
 * `tf.variableScope` calls `tf.getVariable`, so `{reuse: true}` shares the existing variables in
 * both forms, and every mistake throws an error naming the variable — never a silent copy:
 *   - building again WITHOUT reuse: "variable mlp_model/my_dense1/kernel:0 already exists; ...";
 *   - reuse of a scope that has no such variable: "... does not exist, so it cannot be reused".
 * The program also shows the hidden defaults the thread had to discover (Keras `Dense`: Glorot-
 * uniform kernel, zero bias; TF1 `getVariable`: Glorot uniform) and the optimizer slot names
 * (`mlp_model/my_dense1/kernel/Adagrad:0`).
 *
 * Run:  npx tsx examples/seeds/seed002.ts
 */
import { pathToFileURL } from 'node:url';
import * as tf from '../../src/index.ts';

export interface Seed002Result {
  /** Variable names after the four models (before training). */
  modelVariables: string[];
  /** Names after one Adagrad step on model 1's loss (slots added). */
  withSlots: string[];
  /** Model 2's Keras layers hold the same Variable objects as model 1's. */
  kerasShared: boolean;
  /** Model 4's low-level variables are model 3's. */
  lowLevelShared: boolean;
  /** Outputs on the thread's fake data (ones · 0.5), per model. */
  outputs: Float32Array[];
  /** The error messages of the three mistakes. */
  errors: { kerasNoReuse: string; kerasMissing: string; lowLevelMissing: string };
  /** Keras Dense's default initializers, by their Keras class names. */
  kerasDefaults: { kernel: string; bias: string };
}

const print = (line: string) => console.log(line);

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return '(no error)';
}

/** The thread's `mlp_model_keras1/2`: Keras layers inside a variable scope. */
function mlpKeras(input: tf.Tensor, reuse: boolean, scope = 'mlp_model'): { y: tf.Tensor; layers: tf.Layer[] } {
  return tf.variableScope(scope, { reuse }, () => {
    const layers = [
      tf.layers.dense({ units: 512, activation: 'relu', name: 'my_dense1' }),
      tf.layers.dense({ units: 512, activation: 'relu', name: 'my_dense2' }),
      tf.layers.dense({ units: 10, activation: 'softmax', name: 'my_softmax' }),
    ];
    let h = input;
    for (const l of layers) h = l.apply(h) as tf.Tensor;
    return { y: h, layers };
  });
}

/** TF1's `tf.layers.dense(x, units, activation, name)`, written with the low-level API. */
function dense(x: tf.Tensor, units: number, activation: ((t: tf.Tensor) => tf.Tensor) | null, name: string): tf.Tensor {
  return tf.variableScope(name, () => {
    const kernel = tf.getVariable('kernel', { shape: [x.shape[1]!, units] }); // default: Glorot uniform
    const bias = tf.getVariable('bias', { shape: [units], initializer: 'zeros' });
    const z = tf.add(tf.matMul(x, kernel), bias);
    return activation ? activation(z) : z;
  });
}

/** The thread's `mlp_model_by_layers1/2`. */
function mlpLayers(input: tf.Tensor, reuse: boolean, scope = 'mlp_by_tflayers'): tf.Tensor {
  return tf.variableScope(scope, { reuse }, () => {
    let h = dense(input, 512, tf.relu, 'his_dense1');
    h = dense(h, 512, tf.relu, 'his_dense2');
    return dense(h, 10, null, 'his_dense3');
  });
}

export function main(options: { log?: (line: string) => void } = {}): Seed002Result {
  const log = options.log ?? print;
  tf.setSeed(0);
  tf.resetDefaultGraph();
  tf.resetVariableStore();
  const before = new Set(tf.globalVariables());
  const created = () => tf.globalVariables().filter((v) => !before.has(v));

  const x = tf.placeholder('float32', [null, 784], 'x');
  const m1 = mlpKeras(x, false);
  const m2 = mlpKeras(x, true);
  const y3 = mlpLayers(x, false);
  const y4 = mlpLayers(x, true);
  const modelVars = created();
  log('variables (Keras layers ×2 in mlp_model, low-level ×2 in mlp_by_tflayers; the second of each with reuse: true):');
  for (const v of modelVars) log(`  <tf.Variable '${v.name}' shape=(${v.shape.join(', ')}${v.shape.length === 1 ? ',' : ''}) dtype=${v.dtype}>`);
  const w1 = m1.layers.flatMap((l) => l.weights);
  const w2 = m2.layers.flatMap((l) => l.weights);
  const kerasShared = w1.length === 6 && w1.every((v, i) => v === w2[i]);
  log(`Keras layers with reuse: ${kerasShared ? 'share model 1\'s 6 variables (no mlp_model_1/... copy)' : 'DO NOT share'}`);
  const lowLevelShared = modelVars.filter((v) => v.name.startsWith('mlp_by_tflayers/')).length === 6;
  log(`low-level form with reuse: ${lowLevelShared ? 'shares model 3\'s 6 variables' : 'DOES NOT share'}`);

  // The thread's fake data: the same input through all four models.
  const fake = tf.mul(tf.ones([10, 784]), 0.5);
  const sess = new tf.Session();
  const outs = sess.run([m1.y, m2.y, y3, y4], { x: fake }) as tf.Tensor[];
  const outputs = outs.map((t) => t.dataSync() as Float32Array);
  const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  log(`outputs on ones·0.5: model 1 = model 2 bit for bit: ${same(outputs[0]!, outputs[1]!)}; model 3 = model 4: ${same(outputs[2]!, outputs[3]!)}`);

  // The mistakes, each a clear error instead of a silent copy.
  const errors = {
    kerasNoReuse: errorOf(() => mlpKeras(x, false)),
    kerasMissing: errorOf(() => mlpKeras(x, true, 'mlp_modle')),
    lowLevelMissing: errorOf(() => mlpLayers(x, true, 'mlp_by_tflayer')),
  };
  log('mistakes:');
  log(`  Keras layers again without reuse  → ${errors.kerasNoReuse}`);
  log(`  Keras layers, reuse of a typo     → ${errors.kerasMissing}`);
  log(`  low-level, reuse of a typo        → ${errors.lowLevelMissing}`);
  const cfg = m1.layers[0]!.getConfig() as { kernelInitializer?: { className: string }; biasInitializer?: { className: string } };
  const kerasDefaults = { kernel: cfg.kernelInitializer?.className ?? '?', bias: cfg.biasInitializer?.className ?? '?' };
  log(`hidden defaults: Keras Dense kernel ${kerasDefaults.kernel}, bias ${kerasDefaults.bias}; tf.getVariable without an initializer: GlorotUniform (TF1's)`);

  // One Adagrad step: slot variables are named after their variable, as in the thread's list.
  const yTrue = tf.placeholder('float32', [null, 10], 'y');
  const loss = tf.mean(tf.nn.softmaxCrossEntropyWithLogits({ labels: yTrue, logits: tf.log(tf.add(m1.y, 1e-7)) }));
  const trainOp = tf.train.adagrad(0.05).minimize(loss as tf.SymbolicTensor);
  sess.run(trainOp, { x: fake, y: tf.oneHot(tf.tensor(new Array(10).fill(3), [10], 'int32'), 10).cast('float32') });
  const withSlots = created().map((v) => v.name);
  log('after one Adagrad step on model 1:');
  for (const n of withSlots.slice(modelVars.length)) log(`  ${n}`);
  sess.close();
  tf.enableEagerExecution();
  return { modelVariables: modelVars.map((v) => v.name), withSlots, kerasShared, lowLevelShared, outputs, errors, kerasDefaults };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = main();
  process.exitCode = r.kerasShared && r.lowLevelShared ? 0 : 1;
}
