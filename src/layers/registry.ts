/**
 * Layer classes by Keras class name, for `fromConfig`/`deserializeLayer`. A layer's config
 * (`getConfig()`) holds exactly its constructor arguments, so rebuilding is `new Cls(config)`.
 * Custom layers are registered by the program (`registerLayer`); nothing is ever evaluated from
 * a config.
 */
import { fail } from '../core/errors.ts';
import type { Layer } from './layer.ts';

type LayerClass = (new (args: never) => Layer) & { className: string };

const registry = new Map<string, LayerClass>();
/** Class names of idem's own layers that are Keras built-ins (`.keras` files name them without `Custom>`). */
const kerasBuiltins = new Set<string>();

/** Registers a custom layer class (`tf.registerLayer`): `.keras` files name it `Custom>Name`. */
export function registerLayer(cls: LayerClass): void {
  registry.set(cls.className, cls);
  kerasBuiltins.delete(cls.className);
}

/**
 * Registers one of idem's own layer classes, where it is defined. `keras: false` for a layer
 * Keras 3 does not have (saved as `Custom>Name`); every other is a Keras built-in layer of that
 * name (saved under `keras.layers`).
 */
export function registerBuiltinLayer(cls: LayerClass, opts: { keras?: boolean } = {}): void {
  registry.set(cls.className, cls);
  if (opts.keras !== false) kerasBuiltins.add(cls.className);
}

/** Whether `className` is a Keras built-in layer idem registered (not a custom one). */
export function isKerasBuiltinLayer(className: string): boolean {
  return kerasBuiltins.has(className);
}

export function registeredLayerNames(): string[] {
  return [...registry.keys()].sort();
}

/** `{className, config}` → a new layer (unbuilt; weights are created on first use). */
export function deserializeLayer(spec: { className: string; config: Record<string, unknown> }): Layer {
  const cls = registry.get(spec?.className);
  if (!cls) fail('deserializeLayer', `unknown layer class '${spec?.className}' (registered: ${registeredLayerNames().join(', ')}); register custom layers with tf.registerLayer`);
  return new cls(spec.config as never);
}

/** A new layer with the same configuration as `layer` (fresh weights). */
export function fromConfig<T extends Layer>(cls: (new (args: never) => T) & { className: string }, config: Record<string, unknown>): T {
  return new cls(config as never);
}
