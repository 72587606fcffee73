/**
 * `sluice plugin init|build|pack|verify`: the plugin author's commands. Exit 0 on success, 1 when
 * the plugin has problems, 2 on a usage error.
 */
import { basename, relative, resolve } from 'node:path';
import { KERNEL_API_VERSION } from '@sluice/plugin-sdk';
import {
  buildPlugin,
  initPlugin,
  isPluginId,
  isPluginKind,
  packPlugin,
  PLUGIN_KINDS,
  PluginToolingError,
  verifyPlugin,
  type PluginKind,
  type VerifyResult,
} from '@sluice/plugin-sdk/tooling';
import type { ParsedArgs } from './parse-args.js';

export const PLUGIN_USAGE = `  plugin init DIR [--id ID] [--kind ${PLUGIN_KINDS.join('|')}]
                                                scaffold a sandboxed plugin (default kind: guardrail)
  plugin build DIR                              bundle DIR/src/index.ts into DIR/dist/
  plugin pack DIR [--out DIR]                   build, verify and write <id>-<version>.tgz; prints its sha256
  plugin verify PATH                            check a package (.tgz or folder) as the gateway will
`;

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

function usage(problem: string): number {
  err(`sluice plugin: ${problem}\n\nUsage:\n${PLUGIN_USAGE}`);
  return 2;
}

/** `args.positionals` is `['plugin', sub, ...]`. */
export async function pluginCommand(args: ParsedArgs): Promise<number> {
  const [, sub, target, ...extra] = args.positionals;
  if (!sub) return usage('which plugin command? (init, build, pack or verify)');
  if (!['init', 'build', 'pack', 'verify'].includes(sub)) return usage(`unknown command ${JSON.stringify(sub)}`);
  if (!target) return usage(`plugin ${sub} needs a ${sub === 'verify' ? 'PATH' : 'DIR'}`);
  if (extra.length) return usage(`unexpected argument ${JSON.stringify(extra[0])}`);
  try {
    switch (sub) {
      case 'init':
        return init(target, args);
      case 'build':
        return await build(target);
      case 'pack':
        return await pack(target, args);
      default:
        return await verify(target);
    }
  } catch (e) {
    if (e instanceof PluginToolingError) {
      err(`sluice plugin ${sub}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

function init(dir: string, args: ParsedArgs): number {
  const id = args.options.get('id');
  const kind = args.options.get('kind') ?? 'guardrail';
  if (id === true) return usage('--id needs a value');
  if (id !== undefined && !isPluginId(id)) return usage(`--id ${JSON.stringify(id)} is not kebab-case (like guardrail-acme)`);
  if (kind === true || !isPluginKind(kind)) return usage(`--kind must be one of ${PLUGIN_KINDS.join(', ')}`);
  if (id === undefined) {
    const fromDir = basename(resolve(dir));
    if (!isPluginId(fromDir)) return usage(`the folder name ${JSON.stringify(fromDir)} is not a kebab-case plugin id; pass --id`);
  }
  const result = initPlugin(dir, { id, kind: kind as PluginKind });
  const shown = display(result.dir);
  out(`Created ${result.kind} plugin ${result.id} in ${shown}:`);
  for (const file of result.files) out(`  ${file}`);
  out(`\nNext:\n  cd ${shown} && npm install && npm test\n  sluice plugin pack ${shown}`);
  return 0;
}

async function build(dir: string): Promise<number> {
  const result = await buildPlugin(dir);
  for (const w of result.warnings) err(`warning: ${w}`);
  out(`Built ${display(result.bundlePath)} (${result.bytes} bytes); package folder ${display(result.outDir)}`);
  return 0;
}

async function pack(dir: string, args: ParsedArgs): Promise<number> {
  const outDir = args.options.get('out');
  if (outDir === true) return usage('--out needs a DIR');
  const result = await packPlugin(dir, outDir);
  for (const w of result.warnings) err(`warning: ${w}`);
  out(display(result.file));
  out(`sha256: ${result.sha256}`);
  return 0;
}

async function verify(path: string): Promise<number> {
  const result = await verifyPlugin(path);
  for (const w of result.warnings) err(`warning: ${w}`);
  if (!result.ok) {
    err(`${display(result.location)}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}:`);
    for (const p of result.problems) err(`  - ${p}`);
    return 1;
  }
  out(summary(result));
  return 0;
}

function summary(r: VerifyResult): string {
  const m = r.manifest!;
  const hooks = Object.entries(m.hooks ?? {}).map(([hook, decl]) => `${hook} (${decl?.stage ?? 'DEFAULT'}${decl?.streaming ? `, streaming ${decl.streaming}` : ''})`);
  const lines = [
    `OK: ${m.id}@${m.version} (${r.kind === 'tgz' ? 'package' : 'folder'} ${display(r.location)})`,
    `  apiVersion: ${m.apiVersion} (kernel API ${KERNEL_API_VERSION})`,
    `  hooks: ${hooks.length ? hooks.join(', ') : 'none'}`,
    `  capabilities: ${(m.capabilities ?? []).join(', ') || 'none'}`,
  ];
  if (m.provides?.secretResolver) lines.push('  provides: a secret resolver');
  if (r.sha256) lines.push(`  sha256: ${r.sha256}`);
  return lines.join('\n');
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}
