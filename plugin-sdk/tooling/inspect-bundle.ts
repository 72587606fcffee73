/** Evaluates a plugin bundle in a throwaway isolate and reads its declared identity (for `verify` and loading). */

export interface BundleIdentity {
  id: string;
  version: string;
  apiVersion: string;
}

/** Throws an Error saying what is wrong when the bundle does not evaluate or export definePlugin(...). */
export async function inspectBundle(source: string, opts: { memoryMb?: number; timeoutMs?: number } = {}): Promise<BundleIdentity> {
  // Loaded here, not with the tooling: build and pack work where the native module is not built.
  const { default: ivm } = await import('isolated-vm');
  const isolate = new ivm.Isolate({ memoryLimit: opts.memoryMb ?? 64 });
  try {
    const context = await isolate.createContext();
    const script = await isolate.compileScript(source, { filename: 'plugin.js' });
    await script.run(context, { timeout: opts.timeoutMs ?? 1000 });
    const json = (await context.eval(
      `(() => { const p = globalThis.__sluicePlugin; const d = p && (p.default || p);
        return d && typeof d.setup === 'function' ? JSON.stringify({ id: d.id, version: d.version, apiVersion: d.apiVersion }) : null; })()`,
      { timeout: opts.timeoutMs ?? 1000, copy: true },
    )) as string | null;
    if (!json) throw new Error('the bundle does not assign globalThis.__sluicePlugin with a default export made by definePlugin(...)');
    const identity = JSON.parse(json) as BundleIdentity;
    for (const key of ['id', 'version', 'apiVersion'] as const) {
      if (typeof identity[key] !== 'string' || !identity[key]) throw new Error(`the plugin's definePlugin(...) has no ${key}`);
    }
    return identity;
  } finally {
    if (!isolate.isDisposed) isolate.dispose();
  }
}
