/**
 * What createTestKernel adds to the SDK's sandbox boundary (`../sandbox-boundary.ts`, the one the
 * gateway's isolate host uses) to simulate the isolate in-process: JSON copies, frozen observer
 * events, and thrown errors told apart as the isolate tells them.
 */
import * as boundary from '../sandbox-boundary.js';
import type { JsonObject } from '../json.js';

export function copy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The sandbox's rule (the SDK boundary's, the isolate host's): a thrown verdict crosses and is
 * rebuilt as this SDK's SluiceError, whatever its error status; a coded error without an error
 * status is a fault, explained; anything else is a fault of the plugin and is returned as it is.
 */
export function asVerdictOrFault(pluginId: string, hook: string, err: unknown): unknown {
  const wire = boundary.verdictWire(err);
  if (wire === undefined) return err;
  return (
    boundary.verdictFromWire(copy(wire), pluginId) ??
    new Error(`${pluginId}: ${hook} threw a coded error with an invalid status ${String(wire.status)}; the gateway treats it as a fault, not a verdict`, { cause: err })
  );
}
