#!/usr/bin/env node
// The sluice command. isolated-vm (sandboxed plugins) needs Node's startup snapshot off, so the
// process re-executes itself with --no-node-snapshot, and the other flags of node-flags.js it was
// not given, when started without it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NODE_FLAGS, hasFlag } from './node-flags.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'kernel', 'cli', 'main.js');

if (!process.execArgv.includes('--no-node-snapshot')) {
  // A flag set in NODE_OPTIONS or on the command line wins over ours.
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const flags = NODE_FLAGS.filter((f) => !hasFlag(given, f));
  const child = spawn(process.execPath, [...flags, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  // Forwarded so that `kill <this pid>` stops the gateway. A signal sent to the whole process group
  // (Ctrl-C, systemd) reaches the child directly too: it takes a repeat within 2 s as the same
  // request to stop, not as the operator's second one (kernel/cli/main.ts).
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else if (!existsSync(entry)) {
  process.stderr.write('sluice: dist/ is missing; run `npm run build` (npm start does it for you).\n');
  process.exit(1);
} else {
  const { main } = await import(pathToFileURL(entry).href);
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
