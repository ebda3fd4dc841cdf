/**
 * eye(numRows, numColumns = numRows, batchShape?, dtype = 'float32'): identity matrices,
 * y[..., i, j] = 1 if i = j else 0, shape batchShape + [numRows, numColumns].
 * Composed of oneHot(range(numRows), numColumns) (+ broadcastTo for the batch).
 */
import { fail, fmtShape } from '../core/errors.ts';
import type { DataType } from '../core/dtypes.ts';
import { assertValidShape } from '../core/shape.ts';
import type { Tensor } from '../core/tensor.ts';
import { broadcastTo } from './broadcast_to.ts';
import { oneHot } from './one_hot.ts';
import { op } from './op.ts';
import { range } from './range.ts';
import { reshape } from './reshape.ts';
import { checkElements } from '../core/limits.ts';

export const eye = op('eye', (numRows: number, numColumns?: number | null, batchShape?: number[] | null, dtype: DataType = 'float32'): Tensor => {
  if (!Number.isInteger(numRows) || numRows < 0) fail('eye', `\`numRows\` must be a non-negative integer, received ${numRows}`);
  const cols = numColumns ?? numRows;
  if (!Number.isInteger(cols) || cols < 0) fail('eye', `\`numColumns\` must be a non-negative integer, received ${numColumns}`);
  checkElements('eye', numRows * cols * (batchShape ?? []).reduce((a, b) => a * b, 1), `the result ${fmtShape([...(batchShape ?? []), numRows, cols])}`);
  const m = oneHot(range(0, numRows, 1, 'int32'), cols, 1, 0, dtype);
  if (!batchShape || batchShape.length === 0) return m;
  assertValidShape(batchShape, 'eye', 'batchShape');
  return broadcastTo(reshape(m, [...batchShape.map(() => 1), numRows, cols]), [...batchShape, numRows, cols]);
});
