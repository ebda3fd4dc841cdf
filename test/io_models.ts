/**
 * Models covering every idem layer type that has weights, for the io tests (not a test file).
 */
import * as tf from '../src/index.ts';

export type ModelCase = { name: string; build: () => tf.LayersModel; input: () => tf.Tensor | tf.Tensor[] };

/** Sets every weight to distinct seeded values (so a wrong mapping cannot pass). */
export function scramble(m: tf.LayersModel, seed = 7): void {
  tf.setSeed(seed);
  m.setWeights(m.weights.map((w) => (w.name.includes('moving_variance') ? tf.add(tf.randomUniform(w.shape, 0.5, 1.5), 0) : tf.randomNormal(w.shape, 0, 0.5))));
}

export const CASES: ModelCase[] = [
  {
    name: 'conv',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', inputShape: [6, 6, 2], name: 'c2' }),
          tf.layers.batchNormalization({ name: 'bn' }),
          tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, name: 'dw' }),
          tf.layers.separableConv2d({ filters: 4, kernelSize: 2, name: 'sep' }),
          tf.layers.conv2dTranspose({ filters: 2, kernelSize: 2, strides: 2, name: 'tr' }),
          tf.layers.maxPooling2d({ poolSize: 2 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 3, name: 'out' }),
        ],
      }),
    input: () => tf.randomNormal([2, 6, 6, 2]),
  },
  {
    name: 'recurrent',
    build: () =>
      tf.sequential({
        layers: [
          tf.layers.conv1d({ filters: 4, kernelSize: 2, inputShape: [6, 3], name: 'c1' }),
          tf.layers.lstm({ units: 3, returnSequences: true, name: 'lstm' }),
          tf.layers.gru({ units: 3, returnSequences: true, name: 'gru' }),
          tf.layers.gru({ units: 2, returnSequences: true, resetAfter: false, name: 'gru_v1' }),
          tf.layers.simpleRNN({ units: 3, returnSequences: true, name: 'rnn' }),
          tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 2, returnSequences: true }), name: 'bi' }),
          tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 3 }), name: 'td' }),
          tf.layers.layerNormalization({ name: 'ln' }),
          tf.layers.globalAveragePooling1d(),
          tf.layers.dense({ units: 2, name: 'out' }),
        ],
      }),
    input: () => tf.randomNormal([2, 6, 3]),
  },
  {
    name: 'functional',
    build: () => {
      const tokens = tf.input({ shape: [5], name: 'tokens', dtype: 'int32' });
      const feats = tf.input({ shape: [5, 4], name: 'feats' });
      const emb = tf.layers.embedding({ inputDim: 11, outputDim: 4, name: 'emb' }).apply(tokens) as tf.KerasTensor;
      const sum = tf.layers.add({ name: 'sum' }).apply([emb, feats]) as tf.KerasTensor;
      const att = tf.layers.multiHeadAttention({ numHeads: 2, keyDim: 3, name: 'mha' }).apply([sum, feats]) as tf.KerasTensor;
      const cat = tf.layers.concatenate({ name: 'cat' }).apply([att, sum]) as tf.KerasTensor;
      const pooled = tf.layers.globalMaxPooling1d({ name: 'pool' }).apply(cat) as tf.KerasTensor;
      const a = tf.layers.dense({ units: 3, activation: 'tanh', name: 'head_a' }).apply(pooled) as tf.KerasTensor;
      const b = tf.layers.dense({ units: 2, name: 'head_b' }).apply(pooled) as tf.KerasTensor;
      return tf.model({ inputs: [tokens, feats], outputs: [a, b], name: 'two_heads' });
    },
    input: () => [tf.tensor([[1, 2, 3, 4, 5], [10, 0, 3, 3, 7]], [2, 5], 'int32'), tf.randomNormal([2, 5, 4])],
  },
];

export function predict(m: tf.LayersModel, x: tf.Tensor | tf.Tensor[]): Float32Array[] {
  const out = m.predict(x) as unknown as tf.Tensor | tf.Tensor[];
  return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync()));
}

export function weightBits(m: tf.LayersModel): string[] {
  return m.weights.map((w) => `${w.shape}:${Buffer.from(Float32Array.from(w.read().dataSync()).buffer).toString('hex')}`);
}
