/**
 * The kernel API version: every plugin shipped here declares a range that accepts it. (The loader's
 * refusal of one that does not is in hooks.test.ts for folders, sandbox.test.ts for packages.)
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { KERNEL_API_VERSION } from '@sluice/plugin-sdk';

describe('KERNEL_API_VERSION', () => {
  it('is a semver version, and the SDK package\'s version', () => {
    expect(semver.valid(KERNEL_API_VERSION)).toBe(KERNEL_API_VERSION);
    expect(JSON.parse(readFileSync('plugin-sdk/package.json', 'utf8')).version).toBe(KERNEL_API_VERSION);
  });

  // (plugin-boundary.test.ts checks that each plugin's code declares its manifest's apiVersion.)
  it('every first-party plugin and SDK example accepts this kernel', () => {
    const folders = [
      ...readdirSync('plugins').map((d) => join('plugins', d)),
      ...readdirSync('plugin-sdk/examples').map((d) => join('plugin-sdk/examples', d)),
    ].filter((d) => existsSync(join(d, 'plugin.json')));
    expect(folders.length).toBeGreaterThan(10);
    for (const dir of folders) {
      const { apiVersion } = JSON.parse(readFileSync(join(dir, 'plugin.json'), 'utf8')) as { apiVersion: string };
      expect(semver.satisfies(KERNEL_API_VERSION, apiVersion), `${dir}/plugin.json apiVersion ${apiVersion}`).toBe(true);
    }
  });
});
