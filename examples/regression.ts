/**
 * The core's eager training loop: fit y = 3·x1 − 2·x2 + 0.5 with ops, two variables and plain
 * gradient descent. Run: npx tsx examples/regression.ts  (or npm start)
 */
import * as tf from '../src/index.ts';

tf.setSeed(0);
const x = tf.randomNormal([256, 2]);
const y = tf.add(tf.matMul(x, tf.tensor([[3], [-2]])), 0.5);

const w = tf.variable(tf.zeros([2, 1]), true, 'w');
const b = tf.variable(tf.zeros([1]), true, 'b');
const loss = () => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), y)));

for (let step = 0; step < 200; step++) {
  const { value, grads } = tf.variableGrads(loss);
  w.assignSub(tf.mul(grads['w']!, 0.1));
  b.assignSub(tf.mul(grads['b']!, 0.1));
  if (step % 40 === 0) console.log(`step ${step}: loss ${value.dataSync()[0]!.toExponential(3)}`);
}
console.log('w =', w.dataSync(), 'b =', b.dataSync());
