/**
 * What a third-party (sandboxed) plugin sees. It runs in its own V8 isolate: no `require`,
 * `process`, fs, environment or timers; only the capabilities below, and only those the operator
 * granted (`grants:` in YAML). Every value crosses the isolate boundary as a JSON copy.
 */
import { definePlugin, type PluginDefinition, type PluginInstance } from './define-plugin.js';

export interface SandboxLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  /** Returns the same logger: bindings are not kept in the sandbox. */
  child(bindings: Record<string, unknown>): SandboxLogger;
}

export interface SandboxFetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The whole response, read by the host (bodies are limited to 1 MiB). */
export interface SandboxFetchResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: string;
}

export interface SandboxHttp {
  /** Rejects unless the URL's host (`host` or `host:port`) is in `grants.http`. */
  fetch(url: string, init?: SandboxFetchInit): Promise<SandboxFetchResponse>;
}

/** The plugin's own key/value namespace on the gateway's database (values up to 64 KiB). */
export interface SandboxKv {
  /** `null` when the key is absent or expired. */
  get(key: string): Promise<string | null>;
  set(key: string, value: string, opts?: { ttlMs?: number }): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Keys starting with `prefix`, at most `limit` (capped at 1000). */
  list(prefix?: string, limit?: number): Promise<string[]>;
}

export interface SandboxSecrets {
  /** Rejects unless `name` is in `grants.secrets`; `null` when the secret is not set. */
  get(name: string): Promise<string | null>;
}

export interface SandboxContext {
  readonly pluginId: string;
  readonly version: string;
  readonly log: SandboxLogger;
  /** The host's clock (epoch ms). `Date` exists in the isolate too, but this is the gateway's time. */
  now(): number;
  /** Present only when `grants.http` lists at least one host. */
  readonly http?: SandboxHttp;
  /** Present only when `grants.kv` is true. */
  readonly kv?: SandboxKv;
  /** Present only when `grants.secrets` lists at least one name. */
  readonly secrets?: SandboxSecrets;
}

/** What a sandboxed plugin's setup may return: hooks and secret resolvers (routes and providers are refused). */
export type SandboxPluginInstance = Pick<PluginInstance, 'preAuth' | 'preCall' | 'postCall' | 'onSpend' | 'onAudit' | 'secretResolvers'>;

export interface SandboxedPluginDefinition<Config = Record<string, unknown>> {
  id: string;
  version: string;
  /** Semver range of the kernel API the plugin was written for, e.g. `^1`. */
  apiVersion: string;
  setup(ctx: SandboxContext, config: Config): SandboxPluginInstance | Promise<SandboxPluginInstance>;
}

/**
 * `definePlugin` typed for the sandbox: `ctx` is what the isolate really provides. The result is
 * an ordinary PluginDefinition (what the bundle exports and what `createTestKernel` runs).
 */
export function defineSandboxedPlugin<Config = Record<string, unknown>>(def: SandboxedPluginDefinition<Config>): PluginDefinition<Config> {
  // The sandbox context is a strict subset of the in-process one; the cast only widens the parameter type.
  return definePlugin(def as unknown as PluginDefinition<Config>);
}
