/**
 * Errors say who, what was expected and what came, in the shape of Keras's
 * "Received an invalid value for `units`, expected a positive integer. Received: units=0".
 */
export class IdemError extends Error {
  override name = 'IdemError';
}

/** Throws `${op}: ${message}`. */
export function fail(op: string, message: string): never {
  throw new IdemError(`${op}: ${message}`);
}

export function assert(cond: unknown, op: string, message: () => string): asserts cond {
  if (!cond) fail(op, message());
}

/** Formats a shape as `[2,3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
