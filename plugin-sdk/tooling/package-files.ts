/** Reads a plugin package (a directory or a `.tgz` with its files under `package/`) into memory. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { PACKAGE_FILES } from './build-plugin.js';

const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const TGZ_PREFIX = 'package/';

export interface PackageFiles {
  /** What was read: the `.tgz`, the directory, or a source folder's `dist/`. */
  location: string;
  kind: 'tgz' | 'directory';
  /** Package files by name (`plugin.json`, `plugin.js`…). */
  files: Map<string, Buffer>;
  /** For a `.tgz`: every entry path, in archive order. */
  entries: string[];
  /** For a `.tgz`: the lower-case hex SHA-256 of its bytes. */
  sha256: string | undefined;
  problems: string[];
}

/** The lower-case hex SHA-256 of a packed plugin: what `sha256:` pins in YAML. */
export async function packageDigest(tgzPath: string): Promise<string> {
  return createHash('sha256').update(await readFile(tgzPath)).digest('hex');
}

/**
 * A source folder (plugin.json + src/, built into dist/) is read through its `dist/`, so `verify`
 * works on what `build` made.
 */
export async function readPackageFiles(path: string): Promise<PackageFiles> {
  const location = resolve(path);
  if (!existsSync(location)) return empty(location, 'directory', [`${location} does not exist`]);
  if (statSync(location).isDirectory()) return readDirectory(location);
  const bytes = await readFile(location);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const { files, entries, problems } = await untar(bytes, location);
  return { location, kind: 'tgz', files, entries, sha256, problems };
}

function readDirectory(dir: string): PackageFiles {
  const dist = join(dir, 'dist');
  const isSourceFolder = !existsSync(join(dir, 'plugin.js')) && existsSync(join(dir, 'src')) && existsSync(join(dist, 'plugin.json'));
  const location = isSourceFolder ? dist : dir;
  const files = new Map<string, Buffer>();
  for (const name of PACKAGE_FILES) if (existsSync(join(location, name))) files.set(name, readFileSync(join(location, name)));
  return { location, kind: 'directory', files, entries: [], sha256: undefined, problems: [] };
}

function empty(location: string, kind: PackageFiles['kind'], problems: string[]): PackageFiles {
  return { location, kind, files: new Map(), entries: [], sha256: undefined, problems };
}

/** Regular files directly under `package/`; anything else is reported, never written anywhere. */
function untar(bytes: Buffer, source: string): Promise<{ files: Map<string, Buffer>; entries: string[]; problems: string[] }> {
  return new Promise((resolveAll) => {
    let finished = false;
    const done = (result: { files: Map<string, Buffer>; entries: string[]; problems: string[] }) => {
      if (!finished) resolveAll(result);
      finished = true;
    };
    const files = new Map<string, Buffer>();
    const entries: string[] = [];
    const problems: string[] = [];
    const known = new Set<string>(PACKAGE_FILES);
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        entries.push(entry.path);
        const name = entry.path.startsWith(TGZ_PREFIX) ? entry.path.slice(TGZ_PREFIX.length) : undefined;
        if (entry.type === 'Directory' && name !== undefined) return entry.resume();
        if (name === undefined || name.includes('/') || name === '') {
          problems.push(`${source}: the entry ${JSON.stringify(entry.path)} is not directly under package/`);
        } else if (entry.type !== 'File') {
          problems.push(`${source}: ${entry.path} is a ${entry.type}, not a regular file`);
        } else if (entry.size > MAX_FILE_BYTES) {
          problems.push(`${source}: ${entry.path} is larger than ${MAX_FILE_BYTES} bytes`);
        } else if (!known.has(name)) {
          problems.push(`${source}: ${entry.path} is not part of a plugin package (it holds ${PACKAGE_FILES.join(', ')})`);
        } else {
          const chunks: Buffer[] = [];
          entry.on('data', (c: Buffer) => chunks.push(c));
          entry.on('end', () => files.set(name, Buffer.concat(chunks)));
          return;
        }
        entry.resume();
      },
    });
    parser.on('error', (err: Error) => {
      problems.push(`${source} is not a readable gzipped tar: ${err.message}`);
      done({ files, entries, problems });
    });
    parser.on('end', () => done({ files, entries, problems }));
    parser.end(bytes);
  });
}
