/** The chained methods of src/ops/tfjs_more.ts, by name (the browser's core defines them before its chunk loads). */
export const MORE_CHAINED_NAMES = [
  'asin', 'acos', 'atan', 'atan2', 'cumsum', 'cumprod', 'topk',
  'resizeBilinear', 'resizeNearestNeighbor', 'mirrorPad', 'spaceToBatchND', 'batchToSpaceND', 'depthToSpace', 'localResponseNormalization',
] as const;
