/**
 * Keras 3's `variable.path` of a model's weights — what Keras's TensorBoard callback names weight
 * histograms after (`<path>/histogram`): `<layer>/<weight>`, a recurrent layer's weights under
 * its cell (`lstm/lstm_cell/kernel`, `bi/forward_lstm/lstm_cell/kernel`), and, in a Sequential
 * model, the model's name in front (Keras builds its layers inside the model's name scope:
 * `seq/dense/kernel`). Checked against Keras 3.6.0 and 3.15.1.
 */
import type { Variable } from '../core/variable.ts';
import type { Layer } from '../layers/layer.ts';
import { Sequential, type LayersModel } from './model.ts';

const CELLS: Record<string, string> = { SimpleRNN: 'simple_rnn_cell', LSTM: 'lstm_cell', GRU: 'gru_cell' };

/** The Keras path of weight `w` of `layer` in `model`. */
export function kerasWeightPath(model: LayersModel | null, layer: Layer, w: Variable): string {
  let base = w.name.replace(/:\d+$/, '');
  if (!base.startsWith(`${layer.name}/`)) base = `${layer.name}/${base}`;
  const parts = base.split('/');
  // A recurrent layer's own weights (or a wrapped one's: bi/forward_lstm/kernel) belong to its cell.
  const owner = layer.className === 'Bidirectional' ? (layer as unknown as { forwardLayer: Layer }).forwardLayer.className : layer.className;
  const cell = CELLS[owner];
  if (cell && ['kernel', 'recurrent_kernel', 'bias'].includes(parts[parts.length - 1]!)) parts.splice(parts.length - 1, 0, cell);
  const path = parts.join('/');
  return model instanceof Sequential ? `${model.name}/${path}` : path;
}

