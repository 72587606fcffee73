/* eslint-disable */
/**
 * GENERATED from plugin-sdk/schemas/plugin-manifest.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * fail-closed refuses the request; fail-open skips the plugin.
 */
export type FailurePolicy = 'fail-closed' | 'fail-open';

/**
 * plugin.json: what a plugin is, which hooks it taps at which stage, and what it needs.
 */
export interface PluginManifest {
  /**
   * kebab-case `<category>-<name>`.
   */
  id: string;
  /**
   * The plugin's semver version.
   */
  version: string;
  /**
   * Semver range of the kernel API it was written for.
   */
  apiVersion: string;
  /**
   * One line for `sluice config check` and the docs.
   */
  description?: string;
  /**
   * Entry module relative to the plugin folder.
   */
  main?: string;
  /**
   * Hooks the plugin taps and at which stage.
   */
  hooks?: {
    preAuth?: HookDecl;
    preCall?: HookDecl;
    postCall?: HookDecl;
    onSpend?: HookDecl;
    onAudit?: HookDecl;
  };
  /**
   * What happens when the plugin throws something other than a coded verdict. Defaults: fail-closed for pre* hooks, fail-open for post/on* hooks.
   */
  failurePolicy?: {
    default?: FailurePolicy;
    preAuth?: FailurePolicy;
    preCall?: FailurePolicy;
    postCall?: FailurePolicy;
    onSpend?: FailurePolicy;
    onAudit?: FailurePolicy;
  };
  /**
   * Capabilities the plugin uses. In process, `http`, `kv`, `counters`, `storage` (ctx.database), `management` (ctx.management: the gateway's management API in-process) and `secrets` (reading and writing them) exist in ctx only when declared; a sandboxed plugin gets what its grants allow.
   */
  capabilities?: (
    | 'http'
    | 'kv'
    | 'secrets'
    | 'log'
    | 'now'
    | 'counters'
    | 'storage'
    | 'routes'
    | 'management'
    | 'providers'
    | 'secret-resolvers'
  )[];
  /**
   * What the plugin contributes besides hooks.
   */
  provides?: {
    /**
     * Provider prefixes served (`openai`, `groq`…).
     */
    providers?: string[];
    /**
     * For a deployment `model` written without its `provider/` prefix: the name prefixes that mean one of the providers this plugin serves (e.g. `claude` → `anthropic`), as LiteLLM infers them. The longest matching prefix over all installed plugins wins.
     */
    modelNamePrefixes?: {
      [k: string]: string[];
    };
    /**
     * The provider (one this plugin serves) of a deployment `model` without a `provider/` prefix that no plugin's `modelNamePrefixes` match. At most one installed plugin declares it.
     */
    fallbackProvider?: string;
    /**
     * Provider → the `owned_by` that `/v1/models` shows for its model groups, where it is not the provider's name.
     */
    modelOwner?: {
      [k: string]: string;
    };
    /**
     * Routes it adds, for docs and `config check`.
     */
    routes?: string[];
    /**
     * Where the routes it adds from its config come from, when they are not a fixed list (e.g. `general_settings.pass_through_endpoints[].path`), for docs and `config check`. The routes themselves are what `setup` returns.
     */
    dynamicRoutes?: string;
    /**
     * True when it resolves `os.environ/` references from a secret manager.
     */
    secretResolver?: boolean;
    /**
     * The plugin supplies deployments while the gateway runs (`deploymentSource`) when one of these settings or environment variables is true. A runtime deployment may name any provider, so every installed provider plugin is then enabled.
     */
    runtimeDeployments?: {
      /**
       * Dotted paths of settings (e.g. `general_settings.store_model_in_db`).
       */
      settings?: string[];
      /**
       * Environment variables (e.g. `STORE_MODEL_IN_DB`).
       */
      env?: string[];
      /**
       * Dotted paths of settings whose value may be a `provider/model` string the plugin supplies a deployment for (e.g. `litellm_settings.llamaguard_model_name`): the plugin serving that provider is enabled, and only that one.
       */
      modelSettings?: string[];
    };
  };
  /**
   * Request body fields the plugin reads that steer the gateway (e.g. `fallbacks`, `guardrails`): the kernel removes the fields of every enabled plugin from the body before the provider sees it.
   */
  requestFields?: string[];
  /**
   * Enabled unless the config disables it.
   */
  enabledByDefault?: boolean;
  /**
   * Present when the plugin is a guardrail: it can then be named in the config's `guardrails:` list, switched on per request, key or team, and switched off through `permissions`. Its preCall/postCall run only on the requests one of its guardrail entries is active for. Read by the guardrail framework plugin (`guardrails-litellm`), not by the kernel.
   */
  guardrail?: {
    /**
     * Names that select this plugin as `litellm_params.guardrail` of a `guardrails:` entry (LiteLLM's spelling first). With the plugin's callback names they are also the `permissions` keys that switch it off for a key.
     *
     * @minItems 1
     */
    names: [string, ...string[]];
    /**
     * The `mode`s it supports: `pre_call` (its preCall, before the provider), `during_call` (its preCall, run alongside the provider call on a copy of the request; the response is refused if it fails), `post_call` (its postCall, on the response; streams per chunk or assembled, as `hooks.postCall.streaming` says). `logging_only` is accepted for every guardrail.
     *
     * @minItems 1
     */
    modes: ['pre_call' | 'during_call' | 'post_call', ...('pre_call' | 'during_call' | 'post_call')[]];
  };
  /**
   * How LiteLLM config maps onto this plugin.
   */
  litellm?: {
    /**
     * litellm_settings.callbacks names that enable this plugin.
     */
    callbacks?: string[];
    /**
     * LiteLLM settings that enable this plugin: a dotted path, enabling when the setting is `true` or a non-empty list or object (`litellm_settings.store_audit_logs`, `general_settings.allowed_ips`), or `path=value`, enabling when the setting equals that string or is a list containing it (`general_settings.key_management_system=aws_kms`), or `env.NAME`, enabling when that environment variable is set and not empty (`env.GOOGLE_CLIENT_ID`).
     */
    enabledBy?: string[];
    /**
     * Plugin config key → dotted path in the LiteLLM config it is read from.
     */
    settings?: {
      [k: string]: string;
    };
    /**
     * Dotted paths of LiteLLM settings the plugin acts on without taking them as config (read per deployment or per request, or through ctx.settings), e.g. `model_info.access_groups` (of any model_list entry) or `general_settings.alerting`: while the plugin is enabled they are not reported as ignored.
     */
    actsOn?: string[];
    /**
     * Plugin config key → environment variables read when nothing else sets it.
     */
    env?: {
      [k: string]: string[];
    };
  };
}
/**
 * A tapped hook.
 */
export interface HookDecl {
  /**
   * Named stage.
   */
  stage?: 'SECURITY' | 'AUTH' | 'BUDGET' | 'GUARDRAIL' | 'DEFAULT' | 'TRANSFORM' | 'OBSERVE';
  /**
   * postCall only: how streamed responses reach the plugin.
   */
  streaming?: 'chunk' | 'buffer' | 'none';
  /**
   * Per-call timeout; a call that exceeds it is a fault.
   */
  timeoutMs?: number;
}
