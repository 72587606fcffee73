/**
 * The esbuild plugin that decides what a sandboxed plugin's bundle may contain: the SDK (loaded from
 * this Sluice installation under a stable `sluice-sdk:` namespace, so bundle bytes do not depend
 * on where Sluice or the plugin sit on disk), npm packages bundled in, and no Node built-ins.
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix } from 'node:path';
import type { Plugin } from 'esbuild';
import { SDK_SPECIFIER, SDK_TESTING_SPECIFIER, type SdkLocation } from './sdk-location.js';

const SDK_NAMESPACE = 'sluice-sdk';

export function isNodeBuiltin(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  const [first, second] = specifier.split('/');
  return builtinModules.includes(specifier) || builtinModules.includes(first!) || (first!.startsWith('@') && builtinModules.includes(`${first}/${second}`));
}

export function builtinRefusal(specifier: string): string {
  return (
    `${JSON.stringify(specifier)} is a Node built-in module. Sandboxed plugins run in an isolate with no require, process, fs, ` +
    'environment or timers, so plugin.js cannot import it; use ctx.http.fetch, ctx.kv and ctx.secrets instead.'
  );
}

export function sandboxImports(sdk: SdkLocation): Plugin {
  return {
    name: 'sluice-sandbox-imports',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        if (isNodeBuiltin(args.path)) return { errors: [{ text: builtinRefusal(args.path) }] };
        if (args.path === SDK_TESTING_SPECIFIER) {
          return { errors: [{ text: `${SDK_TESTING_SPECIFIER} is for tests only (it runs plugins in Node); plugin code imports ${SDK_SPECIFIER}` }] };
        }
        if (args.path === SDK_SPECIFIER) return { path: `index${sdk.extension}`, namespace: SDK_NAMESPACE };
        if (args.path.startsWith(`${SDK_SPECIFIER}/`)) {
          return { errors: [{ text: `${args.path}: a sandboxed plugin imports the SDK as ${SDK_SPECIFIER} (its other entry points need Node, or are for tests and tooling)` }] };
        }
        if (args.namespace === SDK_NAMESPACE) return resolveInsideSdk(sdk, args.importer, args.path);
        return undefined; // relative files and npm packages: esbuild's own resolution
      });
      build.onLoad({ filter: /.*/, namespace: SDK_NAMESPACE }, (args) => ({
        contents: readFileSync(join(sdk.dir, args.path), 'utf8'),
        loader: args.path.endsWith('.ts') ? 'ts' : 'js',
      }));
    },
  };
}

/** The SDK's own relative imports (`./errors.js` → `errors.ts`), kept inside the SDK folder. */
function resolveInsideSdk(sdk: SdkLocation, importer: string, specifier: string) {
  const relative = posix.normalize(posix.join(posix.dirname(importer), specifier));
  if (!/^\.\.?\//.test(specifier) || relative.startsWith('..') || posix.isAbsolute(relative)) {
    return { errors: [{ text: `the plugin SDK imports ${JSON.stringify(specifier)}, which a sandboxed bundle cannot contain` }] };
  }
  for (const candidate of [relative.replace(/\.js$/, sdk.extension), relative]) {
    if (existsSync(join(sdk.dir, candidate))) return { path: candidate, namespace: SDK_NAMESPACE };
  }
  return { errors: [{ text: `the plugin SDK file ${specifier} is missing from ${sdk.dir}` }] };
}
