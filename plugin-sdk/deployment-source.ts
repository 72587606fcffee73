/**
 * The runtime deployments contract: a plugin that supplies deployments while the gateway runs
 * (models stored in a database, a service catalog) hands them to the kernel as `model_list`
 * entries. The kernel validates and builds them exactly as it does config entries (same provider
 * inference, same adapters) and swaps the affected model groups in at once: a call never waits
 * for a change, nor sees half of one.
 */

/** One deployment, as a `model_list` entry (LiteLLM's `Deployment`). */
export interface DeploymentEntry {
  /** The model group clients call. */
  model_name: string;
  /** `model` is required; `api_key` and every other credential stay inside the kernel. */
  litellm_params: { model: string } & Record<string, unknown>;
  /** `id` names the deployment (required here: a runtime deployment is replaced and removed by it). */
  model_info: { id: string } & Record<string, unknown>;
}

/** A deployment as plugins may see it: no credentials. */
export interface DeploymentView {
  readonly id: string;
  readonly modelName: string;
  readonly provider: string;
  /** Upstream model name. */
  readonly model: string;
  /** `litellm_params` without `api_key` and other credential fields. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly modelInfo: Readonly<Record<string, unknown>>;
  /** `config` for `model_list` entries, else the id of the plugin that supplied it. */
  readonly source: string;
}

/** Why an entry was not taken; the rest of the batch still applies. */
export interface DeploymentRejection {
  readonly id: string;
  readonly reason: string;
}

export interface UpsertOptions {
  /**
   * Resolve `os.environ/NAME` references in `litellm_params` through the gateway's secret managers
   * and environment, as config entries are. Only for entries an administrator wrote: a reference
   * in an entry a less trusted caller wrote could send a gateway secret to an `api_base` of its
   * choosing. Without it, a reference is refused.
   */
  resolveSecretRefs?: (entry: DeploymentEntry) => boolean;
}

/** What the kernel hands a `DeploymentSource`: the deployments of that plugin, to change at will. */
export interface RuntimeDeployments {
  /** Adds or replaces (by `model_info.id`) deployments of this plugin. Ids of config deployments are refused. */
  upsert(entries: readonly DeploymentEntry[], opts?: UpsertOptions): Promise<readonly DeploymentRejection[]>;
  /** Removes deployments of this plugin by id (unknown ids are ignored). */
  remove(ids: readonly string[]): void;
  /** Makes this plugin's deployments exactly `entries` (a full resync after a restart or a missed change). */
  replaceAll(entries: readonly DeploymentEntry[], opts?: UpsertOptions): Promise<readonly DeploymentRejection[]>;
  /** Checks an entry as `upsert` would, without applying it (a management API's 400 before it stores anything). */
  check(entry: DeploymentEntry, opts?: UpsertOptions): string | undefined;
}

/** `PluginInstance.deploymentSource`: started once the config's deployments are registered. */
export interface DeploymentSource {
  /** Load what the plugin holds, then keep `deployments` to apply later changes. The gateway listens once this resolves. */
  start(deployments: RuntimeDeployments): Promise<void>;
}
