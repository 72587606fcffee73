/**
 * What the operator grants a packaged plugin in its `plugins:` entry, beyond the capabilities the
 * isolate can call (http, kv, secrets): config values from the environment and the settings, the
 * callers' credentials (preAuth) and secret resolution. A package's plugin.json only *requests*;
 * whatever it requests that the YAML does not grant refuses the load, naming the missing grant.
 */
import type { Role } from '@sluice/plugin-sdk';
import type { PluginManifest } from '@sluice/plugin-sdk/schemas';
import type { PluginEntry } from '../../schemas/generated/config.js';
import { ConfigError } from '../config/config-error.js';
import type { SandboxGrants } from './capability-host.js';

export interface PackageGrants extends SandboxGrants {
  /** Environment variables plugin.json `litellm.env` may read. */
  env: string[];
  /** Dotted config paths plugin.json `litellm.settings` may read. */
  settings: string[];
  /** Set when the package may tap preAuth: the highest role of a principal it returns. */
  auth: { maxRole: Role } | undefined;
  /** `os.environ/` names its secret resolver is asked for. */
  secretResolver: string[];
}

/** Lowest first: a grant of `max_role` admits that role and every role before it. */
const ROLE_ORDER: readonly Role[] = ['customer', 'internal_user_viewer', 'internal_user', 'team_admin', 'org_admin', 'proxy_admin_viewer', 'proxy_admin'];

export function roleRank(role: Role): number {
  return ROLE_ORDER.indexOf(role);
}

export function packageGrants(g: PluginEntry['grants']): PackageGrants {
  return {
    http: g?.http ?? [],
    kv: g?.kv ?? false,
    secrets: g?.secrets ?? [],
    env: g?.env ?? [],
    settings: g?.settings ?? [],
    auth: g?.auth ? { maxRole: g.auth.max_role } : undefined,
    secretResolver: g?.secret_resolver ?? [],
  };
}

/** One line for `sluice config check`: what the operator granted, `none` when nothing. */
export function describeGrants(g: PackageGrants): string {
  const parts = [
    g.http.length > 0 && `http ${g.http.join(', ')}`,
    g.kv && 'kv',
    g.secrets.length > 0 && `secrets ${g.secrets.join(', ')}`,
    g.env.length > 0 && `env ${g.env.join(', ')}`,
    g.settings.length > 0 && `settings ${g.settings.join(', ')}`,
    g.auth && `auth up to ${g.auth.maxRole}`,
    g.secretResolver.length > 0 && `secret_resolver ${g.secretResolver.join(', ')}`,
  ].filter((p): p is string => typeof p === 'string');
  return parts.length > 0 ? parts.join('; ') : 'none';
}

/** Refuses a package whose manifest asks for more than its entry grants. `at` is the entry's path (`plugins[2]`). */
export function checkManifestGrants(manifest: PluginManifest, grants: PackageGrants, file: string, at: string): void {
  const who = `${manifest.id}@${manifest.version}`;
  for (const [key, names] of Object.entries(manifest.litellm?.env ?? {})) {
    const missing = names.find((n) => !grants.env.includes(n));
    if (missing !== undefined) {
      throw new ConfigError(file, `${at}.grants.env`, `${who} reads the environment variable ${missing} into its config (plugin.json litellm.env.${key}); list it in grants.env to hand it over`);
    }
  }
  for (const [key, path] of Object.entries(manifest.litellm?.settings ?? {})) {
    if (!grants.settings.includes(path)) {
      throw new ConfigError(file, `${at}.grants.settings`, `${who} reads the setting ${path} into its config (plugin.json litellm.settings.${key}); list it in grants.settings to hand it over`);
    }
  }
  if (manifest.hooks?.preAuth) assertAuthGranted(who, grants, file, `${at}.grants.auth`);
  if (manifest.provides?.secretResolver) assertResolverGranted(who, grants, file, `${at}.grants.secret_resolver`);
}

export function assertAuthGranted(who: string, grants: PackageGrants, file: string, path: string): void {
  if (!grants.auth) {
    throw new ConfigError(file, path, `${who} taps preAuth, where it sees every caller's credential; grant it with grants.auth: { max_role: <the highest role it may return> }`);
  }
}

export function assertResolverGranted(who: string, grants: PackageGrants, file: string, path: string): void {
  if (grants.secretResolver.length === 0) {
    throw new ConfigError(file, path, `${who} provides a secret resolver; list the os.environ/ names it may resolve in grants.secret_resolver`);
  }
}
