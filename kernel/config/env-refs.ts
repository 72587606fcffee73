/**
 * `os.environ/NAME` references, as LiteLLM writes them, anywhere in the config tree. Values come
 * from the secret managers first (when a secret-resolver plugin is enabled), then the environment.
 * `secret://<manager>/NAME` reads from one manager only (secret-managers.ts).
 */
export const ENV_REF_PREFIX = 'os.environ/';

export type RefLookup = (name: string) => Promise<string | undefined>;

export interface ResolvedRefs<T> {
  value: T;
  /** Names referenced but found nowhere. */
  missing: string[];
  /** Values read for keys that look secret (key, token, password…), to scrub from logs. */
  secrets: string[];
  /** References whose lookup failed (a secret manager unreachable): `NAME: reason`. Also in `missing`. */
  unreadable: string[];
}

/** Names of settings or variables whose values are credentials (scrubbed from logs). */
export const SECRET_KEY = /key|secret|token|password|credential|auth/i;

export async function resolveEnvRefs<T>(tree: T, lookup: RefLookup): Promise<ResolvedRefs<T>> {
  const missing: string[] = [];
  const secrets: string[] = [];
  const unreadable: string[] = [];
  const walk = async (node: unknown, key: string): Promise<unknown> => {
    if (typeof node === 'string') {
      // `secret://<manager>/NAME` goes to the lookup whole: it names the manager to ask.
      const name = node.startsWith(ENV_REF_PREFIX) ? node.slice(ENV_REF_PREFIX.length) : node.startsWith('secret://') ? node : undefined;
      if (name === undefined) return node;
      let value: string | undefined;
      try {
        value = await lookup(name);
      } catch (err) {
        // An unreachable secret manager: the setting is left unset (a deployment that needed it
        // fails its calls), as LiteLLM starts when a secret cannot be read.
        unreadable.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (value === undefined) {
        missing.push(name);
        return undefined;
      }
      if (SECRET_KEY.test(key)) secrets.push(value);
      return value;
    }
    if (Array.isArray(node)) return Promise.all(node.map((item) => walk(item, key)));
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        const resolved = await walk(v, k);
        if (resolved !== undefined) out[k] = resolved;
      }
      return out;
    }
    return node;
  };
  return { value: (await walk(tree, '')) as T, missing, secrets, unreadable };
}

/** A setting that may be an `os.environ/` reference, as a string; undefined when unset or empty. */
export async function resolveStringRef(value: unknown, lookup: RefLookup): Promise<string | undefined> {
  if (typeof value !== 'string' || !value) return undefined;
  return (await resolveEnvRefs(value, lookup)).value;
}

export function envLookup(env: NodeJS.ProcessEnv = process.env): RefLookup {
  return async (name) => env[name];
}
