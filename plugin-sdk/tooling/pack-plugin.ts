/**
 * `sluice plugin pack DIR`: builds the plugin, verifies the result, and writes `<id>-<version>.tgz`
 * with the package's files under `package/`. The archive is reproducible (fixed mtime and modes,
 * no owner, sorted entries, portable gzip header), so the same sources give the same SHA-256 and
 * an operator can rebuild a package to check a pin.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { create } from 'tar';
import { buildPlugin, ENTRY } from './build-plugin.js';
import { packageDigest, readPackageFiles, TGZ_PREFIX } from './package-files.js';
import { PluginToolingError } from './tooling-error.js';
import { verifyPlugin } from './verify-plugin.js';

export interface PackResult {
  /** Absolute path of the written `.tgz`. */
  file: string;
  /** Lower-case hex SHA-256 of the file: the value to pin as `sha256:`. */
  sha256: string;
  /** Entry paths, in archive order. */
  entries: string[];
  /** Verification warnings (conventions), when any. */
  warnings: string[];
}

const EPOCH = new Date(0);

/**
 * `dir` is a plugin source folder (built first, always: esbuild takes milliseconds and a stale
 * dist/ is never packed) or an already-built directory package. `outDir` defaults to `dir`.
 */
export async function packPlugin(dir: string, outDir?: string): Promise<PackResult> {
  const root = resolve(dir);
  if (!existsSync(root)) throw new PluginToolingError(`${root} does not exist`);
  const packageDir = existsSync(join(root, ENTRY)) ? (await buildPlugin(root)).outDir : root;

  const verified = await verifyPlugin(packageDir);
  if (!verified.ok) throw new PluginToolingError(`${packageDir} is not a valid plugin package; not packing it:`, verified.problems);
  const { id, version } = verified.manifest!;

  const { files } = await readPackageFiles(packageDir);
  const names = [...files.keys()].sort();
  const target = resolve(outDir ?? root);
  mkdirSync(target, { recursive: true });
  const file = join(target, `${id}-${version}.tgz`);

  // Staged copies with fixed modes: the archive must not depend on the umask or the checkout.
  const staging = mkdtempSync(join(tmpdir(), 'sluice-pack-'));
  try {
    mkdirSync(join(staging, TGZ_PREFIX));
    for (const name of names) {
      const staged = join(staging, TGZ_PREFIX, name);
      writeFileSync(staged, files.get(name)!);
      chmodSync(staged, 0o644);
    }
    const entries = names.map((name) => `${TGZ_PREFIX}${name}`);
    await create({ file, cwd: staging, gzip: { level: 9 }, portable: true, mtime: EPOCH, noDirRecurse: true }, entries);
    return { file, sha256: await packageDigest(file), entries, warnings: verified.warnings };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
