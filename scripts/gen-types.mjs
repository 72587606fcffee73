#!/usr/bin/env node
// Compiles the JSON Schemas to TypeScript with json-schema-to-typescript.
// `--check` regenerates in memory and fails when a committed file is stale (CI runs it).
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const banner = (source) =>
  `/* eslint-disable */\n/**\n * GENERATED from ${source} by scripts/gen-types.mjs — do not edit.\n * Run \`npm run gen:types\` after changing the schema.\n */`;

async function targets() {
  const out = [];
  for (const file of (await readdir(join(root, 'schemas'))).filter((f) => f.endsWith('.schema.json')).sort()) {
    out.push({ schema: join('schemas', file), target: join('schemas', 'generated', basename(file, '.schema.json') + '.d.ts') });
  }
  // The SDK's schemas ship in its package: their types are .ts files, so the build emits declarations for them.
  for (const file of (await readdir(join(root, 'plugin-sdk', 'schemas'))).filter((f) => f.endsWith('.schema.json')).sort()) {
    out.push({ schema: join('plugin-sdk', 'schemas', file), target: join('plugin-sdk', 'schemas', 'generated', basename(file, '.schema.json') + '.ts') });
  }
  for (const dir of (await readdir(join(root, 'plugins'), { withFileTypes: true })).filter((d) => d.isDirectory())) {
    const schema = join('plugins', dir.name, 'config.schema.json');
    if (existsSync(join(root, schema))) out.push({ schema, target: join('plugins', dir.name, 'src', 'config.generated.d.ts') });
  }
  return out;
}

let stale = 0;
for (const { schema, target } of await targets()) {
  const json = JSON.parse(await readFile(join(root, schema), 'utf8'));
  const ts = await compile(json, json.title ?? 'Config', {
    bannerComment: banner(schema),
    additionalProperties: false,
    strictIndexSignatures: false,
    format: true,
    cwd: dirname(join(root, schema)),
    style: { singleQuote: true, printWidth: 120 },
  });
  const path = join(root, target);
  const current = existsSync(path) ? await readFile(path, 'utf8') : undefined;
  if (current === ts) continue;
  if (check) {
    stale++;
    console.error(`stale: ${target} does not match ${schema} (run npm run gen:types)`);
  } else {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, ts);
    console.log(`wrote ${target}`);
  }
}
if (stale) process.exit(1);
