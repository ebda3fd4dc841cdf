/**
 * `idem convert <source> <target>`: a model from one file format to another (src/io).
 */
import * as fs from 'node:fs';
import { stdout, stderr } from 'node:process';
import { loadLayersModel, saveModel, saveWeights } from '../io/index.ts';

export const usage = `usage: idem convert <source> <target>

Loads a model and saves it in another format (weights bit for bit, the config translated).

  <source>  a Keras 3 .keras file, a Keras 2 .h5 model, or a TF.js model.json (path, its
            directory, or file:// URL)
  <target>  .keras (Keras 3), .h5 (Keras 2 model), a directory or file:// URL (TF.js
            model.json + 4 MB shards), .weights.h5 (Keras 3 weights) or .safetensors (weights)

Example: idem convert model.keras web/   then in the browser tf.loadLayersModel('web/model.json')
`;

export async function run(argv: string[]): Promise<number> {
  const [src, dst, ...extra] = argv;
  if (src === undefined || dst === undefined || extra.length > 0) {
    stderr.write(usage);
    return 2;
  }
  try {
    const model = await loadLayersModel(src);
    if (dst.endsWith('.weights.h5') || dst.endsWith('.safetensors')) await saveWeights(model, dst);
    else if (dst.endsWith('.keras') || dst.endsWith('.h5') || dst.startsWith('file://')) await saveModel(model, dst);
    else {
      fs.mkdirSync(dst, { recursive: true });
      await saveModel(model, `file://${dst}`);
    }
    stdout.write(`${src} → ${dst}: model '${model.name}', ${model.layers.length} layers, ${model.weights.length} weights (${model.countParams().toLocaleString('en-US')} parameters)\n`);
    return 0;
  } catch (e) {
    stderr.write(`idem convert: ${(e as Error).message}\n`);
    return 1;
  }
}
