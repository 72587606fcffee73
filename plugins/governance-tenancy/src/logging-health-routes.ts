/**
 * `POST /key/health` (LiteLLM's key_health: is the calling key's own logging set up right?) and
 * `GET /callbacks/list` (the gateway's active logging callbacks by event). An integration is
 * "installed" when a plugin next to this one claims its LiteLLM callback name in plugin.json
 * (`litellm.callbacks`); the manifests are read once, on first use.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PluginContext, RouteDefinition } from '@sluice/plugin-sdk';
import { parseLoggingEntry } from './logging-callbacks.js';
import { accessOf } from './rbac.js';

/** Callback names the installed plugins claim. */
function installedCallbacks(ctx: PluginContext): () => Promise<ReadonlySet<string>> {
  let loaded: Promise<ReadonlySet<string>> | undefined;
  const load = async () => {
    const names = new Set<string>();
    const root = dirname(ctx.pluginDir);
    for (const dir of await readdir(root).catch(() => [] as string[])) {
      try {
        const manifest = JSON.parse(await readFile(join(root, dir, 'plugin.json'), 'utf8')) as { litellm?: { callbacks?: unknown } };
        for (const n of Array.isArray(manifest.litellm?.callbacks) ? manifest.litellm.callbacks : []) if (typeof n === 'string') names.add(n);
      } catch {
        // Not a plugin folder, or an unreadable manifest: it claims nothing.
      }
    }
    return names;
  };
  return () => (loaded ??= load());
}

/** Python's repr of a list of names, as LiteLLM's messages print them. */
const pyList = (names: readonly string[]) => `[${names.map((n) => `'${n}'`).join(', ')}]`;

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

export function loggingHealthRoutes(ctx: PluginContext): RouteDefinition[] {
  const installed = installedCallbacks(ctx);
  return [
    {
      method: 'POST',
      url: '/key/health',
      access: accessOf('/key/health'),
      summary: "Check the calling key's logging callbacks (metadata.logging): well formed, and each an installed integration",
      handler: async (req) => {
        const p = req.principal!;
        const keyMetadata = (p.metadata?.metadata ?? {}) as Record<string, unknown>;
        // LiteLLM: no `logging` on the key → healthy, nothing to check.
        if (!('logging' in keyMetadata)) return { body: { key: 'healthy', logging_callbacks: null } };
        const entries = Array.isArray(keyMetadata.logging) ? keyMetadata.logging : [];
        const callbacks = entries.map((e) => (e && typeof e === 'object' ? (e as Record<string, unknown>).callback_name : undefined)).filter((n): n is string => typeof n === 'string');
        const problems: string[] = [];
        const known = await installed();
        entries.forEach((e, i) => {
          try {
            // Stored values were checked when written; env references stand as they are.
            parseLoggingEntry(e, `metadata.logging[${i}]`, { allowEnvReferences: true });
          } catch (err) {
            problems.push(ctx.secrets.scrub((err as Error).message));
          }
        });
        for (const name of callbacks) if (!known.has(name)) problems.push(`callback_name '${name}' is not an installed logging integration (installed: ${pyList([...known].sort())})`);
        const logging_callbacks = problems.length > 0
          ? { callbacks, status: 'unhealthy', details: `Logger exceptions triggered, system is unhealthy: ${problems.join('; ')}` }
          : { callbacks, status: 'healthy', details: `No logger exceptions triggered, system is healthy. Manually check if logs were sent to ${pyList(callbacks)} ` };
        return { body: { key: problems.length > 0 ? 'unhealthy' : 'healthy', logging_callbacks } };
      },
    },
    {
      method: 'GET',
      url: '/callbacks/list',
      access: accessOf('/callbacks/list'),
      summary: 'Active logging callbacks by event (LiteLLM CallbacksByType: success, failure, success_and_failure)',
      handler: async () => {
        const known = await installed();
        const ls = ctx.settings.litellm_settings;
        // Names no installed plugin claims are ignored by the gateway (a startup warning): not active.
        const active = (v: unknown) => [...new Set(asList(v).filter((n) => known.has(n)))];
        return { body: { success: active(ls.success_callback), failure: active(ls.failure_callback), success_and_failure: active(ls.callbacks) } };
      },
    },
  ];
}
