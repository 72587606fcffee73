/**
 * An in-process plugin's context holds only the capabilities its plugin.json declares, as a
 * sandboxed plugin's holds only what its grants allow: `http`, `kv`, `counters`, `storage`
 * (`ctx.database`), `management` (ctx.management) and `secrets` (reading and writing them: `redact` and `scrub` only protect values, every
 * plugin has them). Using an undeclared one throws, naming the declaration that is missing, the
 * first time the plugin reaches for it (most plugins do in setup). `log`, `now`, `models`,
 * `settings`, `audit` and the plugin's folders are always there.
 *
 * Built once per plugin at load: a declared capability is the gateway's own object, unwrapped, so
 * the hot path pays nothing.
 */
import type { PluginContext } from '@sluice/plugin-sdk';
import type { PluginManifest } from '@sluice/plugin-sdk/schemas';

type Capability = NonNullable<PluginManifest['capabilities']>[number];

/** The context field each gated capability stands for. */
const GATED: readonly (readonly [Capability, keyof PluginContext])[] = [
  ['http', 'http'],
  ['kv', 'kv'],
  ['counters', 'counters'],
  ['storage', 'database'],
  ['management', 'management'],
];

export function withDeclaredCapabilities(ctx: PluginContext, manifest: PluginManifest): PluginContext {
  const declared = new Set<string>(manifest.capabilities ?? []);
  const missing = (capability: Capability, use: string) =>
    new Error(
      `${manifest.id}@${manifest.version} uses ${use}, but its plugin.json does not declare the capability "${capability}" ` +
        `(capabilities: [${[...declared].join(', ')}]); add it to "capabilities"`,
    );
  // Descriptors, not values: the context's lazy fields (the backends of a secret manager set up
  // before they open, the identity directory set once every plugin is) stay getters.
  const gated = Object.defineProperties({}, Object.getOwnPropertyDescriptors(ctx)) as PluginContext;
  for (const [capability, field] of GATED) {
    if (declared.has(capability)) continue;
    Object.defineProperty(gated, field, {
      enumerable: false,
      configurable: true,
      get() {
        throw missing(capability, `ctx.${field}`);
      },
    });
  }
  if (!declared.has('secrets')) {
    const get = async (): Promise<string | undefined> => {
      throw missing('secrets', 'ctx.secrets.get');
    };
    const write = async (): Promise<string[]> => {
      throw missing('secrets', 'ctx.secrets.write');
    };
    const remove = async (): Promise<string[]> => {
      throw missing('secrets', 'ctx.secrets.remove');
    };
    (gated as { secrets: PluginContext['secrets'] }).secrets = { ...ctx.secrets, get, write, remove };
  }
  return gated;
}
