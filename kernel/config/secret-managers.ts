/**
 * The config's secret references, read through the enabled secret managers: `os.environ/NAME` asks
 * every manager in load order, then the environment (as LiteLLM reads `os.environ/` through its
 * `key_management_system`); `secret://<manager>/NAME` asks that manager only. Every value a manager
 * gives is registered with the log scrubber the moment it is read: whatever the name, it is a secret.
 */
import type { SecretResolver, SecretWriteMeta } from '@sluice/plugin-sdk';
import type { SecretValues } from '../logging/create-logger.js';

export const SECRET_REF_PREFIX = 'secret://';

export async function lookupSecret(resolvers: readonly SecretResolver[], env: NodeJS.ProcessEnv, secrets: SecretValues, name: string): Promise<string | undefined> {
  if (name.startsWith(SECRET_REF_PREFIX)) {
    const rest = name.slice(SECRET_REF_PREFIX.length);
    const slash = rest.indexOf('/');
    const managerName = slash === -1 ? '' : rest.slice(0, slash);
    const resolver = resolvers.find((r) => r.name === managerName);
    if (!resolver) throw new Error(`no enabled secret manager is named "${managerName}" (write secret://<manager>/<NAME>; enabled: ${resolvers.map((r) => r.name).join(', ') || 'none'})`);
    const value = await resolver.get(rest.slice(slash + 1));
    secrets.add(value);
    return value;
  }
  for (const r of resolvers) {
    const value = await r.get(name);
    if (value !== undefined) {
      secrets.add(value);
      return value;
    }
  }
  return env[name];
}

/** Writes to every manager that stores secrets; all or an error naming the one that failed. */
export async function writeSecret(resolvers: readonly SecretResolver[], name: string, value: string, meta?: SecretWriteMeta): Promise<string[]> {
  const writers = resolvers.filter((r) => typeof r.write === 'function');
  for (const r of writers) {
    try {
      await r.write!(name, value, meta);
    } catch (err) {
      throw new Error(`secret manager ${r.name} could not store ${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  return writers.map((r) => r.name);
}

/** `meta` (a team's `settings`) is passed on unchanged, as to `write`: the delete must find the secret where it was written. */
export async function removeSecret(resolvers: readonly SecretResolver[], name: string, meta?: SecretWriteMeta): Promise<string[]> {
  const removers = resolvers.filter((r) => typeof r.remove === 'function');
  for (const r of removers) {
    try {
      await r.remove!(name, meta);
    } catch (err) {
      throw new Error(`secret manager ${r.name} could not delete ${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  return removers.map((r) => r.name);
}

/**
 * The environment as the gateway reads it when a manager decrypts environment values (KMS):
 * `names` that are set are asked of those managers, and a value they answer replaces the
 * encrypted one (registered as a secret). Without such a manager, `env` itself.
 */
export async function decryptedEnvironment(env: NodeJS.ProcessEnv, names: Iterable<string>, resolvers: readonly SecretResolver[], secrets: SecretValues): Promise<NodeJS.ProcessEnv> {
  const decrypting = resolvers.filter((r) => r.decryptsEnvironment === true);
  if (decrypting.length === 0) return env;
  const view: NodeJS.ProcessEnv = { ...env };
  for (const name of new Set(names)) {
    if (!env[name]) continue;
    for (const r of decrypting) {
      const value = await r.get(name);
      if (value === undefined) continue;
      secrets.add(value);
      view[name] = value;
      break;
    }
  }
  return view;
}
