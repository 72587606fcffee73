/**
 * LiteLLM's default upstream timeouts → Sluice's `server:`. LiteLLM takes the whole-call timeout
 * from `router_settings.timeout`, else `litellm_settings.request_timeout`, and the wait between
 * stream events from `router_settings.stream_timeout`; as there, they win over `server:`'s own
 * defaults. A deployment's own `litellm_params.timeout` / `stream_timeout` still wins over both.
 */
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { resolveStringRef, type RefLookup } from '../env-refs.js';

type ServerSettings = NonNullable<SluiceConfig['server']>;

/** `lookup` resolves `os.environ/` references (the environment: this runs before any plugin). */
export async function translateTimeouts(config: SluiceConfig, lookup: RefLookup): Promise<ServerSettings | undefined> {
  const router = config.router_settings ?? {};
  const timeout = (await seconds(router.timeout, lookup)) ?? (await seconds(config.litellm_settings?.request_timeout, lookup));
  const streamTimeout = await seconds(router.stream_timeout, lookup);
  if (timeout === undefined && streamTimeout === undefined) return config.server;
  return {
    ...config.server,
    ...(timeout !== undefined && { default_timeout_s: timeout }),
    ...(streamTimeout !== undefined && { default_stream_timeout_s: streamTimeout }),
  };
}

/** LiteLLM accepts a number or a numeric string; anything else is no setting at all. */
async function seconds(value: unknown, lookup: RefLookup): Promise<number | undefined> {
  const n = typeof value === 'string' ? Number(await resolveStringRef(value, lookup)) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}
