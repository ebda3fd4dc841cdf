/**
 * `tf.serialization` (TF.js): `registerClass(cls)` makes a custom layer class known to model
 * loading and `deserializeLayer`, under its static `className` (TF.js's rule; idem's
 * `tf.registerLayer` is the same call).
 */
import { fail } from '../core/errors.ts';
import { Layer } from './layer.ts';
import { registerLayer } from './registry.ts';

type Registrable = (new (args: never) => Layer) & { className: string };

/** Registers a custom `Layer` subclass by its static `className` (required, as in TF.js). */
export function registerClass<T extends Registrable>(cls: T, pkg?: string, name?: string): T {
  if (typeof cls !== 'function') fail('serialization.registerClass', `expected a class, received ${typeof cls}`);
  if (!(cls.prototype instanceof Layer)) {
    fail('serialization.registerClass', `class '${cls.name}' is not a subclass of tf.layers.Layer; idem registers custom layers ` +
      '(custom initializers, regularizers and constraints are passed as objects or functions instead)');
  }
  if (!Object.prototype.hasOwnProperty.call(cls, 'className') || typeof cls.className !== 'string' || cls.className === '') {
    fail('serialization.registerClass', `class '${cls.name}' needs a static \`className\` (e.g. \`static className = '${cls.name}'\`), the name saved in model files`);
  }
  if (name !== undefined && name !== cls.className) fail('serialization.registerClass', `a registered name other than the className ('${name}' vs '${cls.className}') is not supported`);
  void pkg;
  registerLayer(cls);
  return cls;
}

/** The name a class is saved under (its `className`). */
export function getRegisteredName(cls: { className: string }): string {
  return cls.className;
}

export const serialization = { registerClass, getRegisteredName };
