/**
 * Model groups → deployments, with their provider adapters built once when a deployment is
 * registered. The registry answers "which deployments could serve this model on this endpoint";
 * choosing among them is the router's job (kernel/models/default-router.ts when no router plugin
 * is enabled).
 *
 * Deployments change at runtime (plugin-sdk/deployment-source.ts): `apply()` rebuilds the
 * precomputed arrays of the groups a change touches and swaps the maps in one synchronous step,
 * so the hot path keeps its plain `Map.get` and never sees half a change. A removed or replaced
 * deployment stays reachable by id for a while: a call routed to it just before still finishes.
 */
import { ENDPOINTS } from '@sluice/plugin-sdk';
import type { ModelListing, DeploymentInfo, DeploymentView, Endpoint, DeploymentConfig, PricedDeployment, ProviderAdapter, RoutableDeployment } from '@sluice/plugin-sdk';

export interface RegisteredDeployment {
  readonly config: DeploymentConfig;
  /** What observers and plugins may see of the deployment: no credentials. */
  readonly info: DeploymentInfo;
  /** What the router sees. */
  readonly route: RoutableDeployment;
  readonly adapter: ProviderAdapter;
  readonly endpoints: ReadonlySet<Endpoint>;
  /** Plugin that serves the provider. */
  readonly providerPlugin: string;
  /** `owned_by` of its group in `/v1/models`, as the provider plugin declares it. */
  readonly owner: string;
  /** What a price estimate sees of it. */
  readonly priced: PricedDeployment;
  /** Plugin that supplied it at runtime; absent for `model_list` entries. */
  readonly source?: string;
}

const NOTHING_PRICED: readonly PricedDeployment[] = Object.freeze([]);
const CREATED = 1_677_610_602; // LiteLLM's fixed `created` for config models
/** How long a removed deployment still answers `byId` (calls routed to it before the change). */
const RETIRE_MS = 10 * 60_000;
/** `litellm_params` never shown to plugins or clients. */
const CREDENTIAL_PARAM = /(^|_)(api_key|key|secret|password|token|credentials?)(_|$)|^aws_access_key_id$/i;

interface Group {
  readonly name: string;
  readonly deployments: readonly RegisteredDeployment[];
  /** Routable views per endpoint, precomputed so the hot path allocates nothing. */
  readonly byEndpoint: ReadonlyMap<Endpoint, readonly RoutableDeployment[]>;
  /** The deployments as price estimates see them, precomputed for the same reason. */
  readonly priced: readonly PricedDeployment[];
  readonly pattern?: RegExp;
}

export function routableOf(config: DeploymentConfig): RoutableDeployment {
  const { api_key: _secret, ...params } = config.params as Record<string, unknown>;
  return Object.freeze({
    id: config.id,
    modelName: config.modelName,
    provider: config.provider,
    model: config.model,
    rpm: config.rpm,
    tpm: config.tpm,
    weight: typeof params.weight === 'number' ? params.weight : undefined,
    params: Object.freeze(params),
  });
}

/** `litellm_params` as plugins and clients may see them. */
export function visibleParams(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in params) if (!CREDENTIAL_PARAM.test(k)) out[k] = params[k];
  return out;
}

function buildGroup(name: string, deployments: readonly RegisteredDeployment[]): Group {
  const byEndpoint = new Map<Endpoint, RoutableDeployment[]>();
  for (const e of ENDPOINTS) byEndpoint.set(e, deployments.filter((d) => d.endpoints.has(e)).map((d) => d.route));
  return {
    name,
    deployments,
    byEndpoint,
    priced: deployments.map((d) => d.priced),
    ...(name.includes('*') && { pattern: new RegExp(`^${name.split('*').map(escapeRegExp).join('(.+)')}$`) }),
  };
}

export class ModelRegistry {
  private groups = new Map<string, Group>();
  private wildcards: Group[] = [];
  private ids = new Map<string, RegisteredDeployment>();
  private readonly retired = new Map<string, RegisteredDeployment>();
  private readonly listeners = new Set<() => void>();
  private readonly viewCache = new WeakMap<RegisteredDeployment, DeploymentView>();
  private viewList: readonly DeploymentView[] | undefined;
  /** Bumped on every change. */
  version = 0;

  constructor(deployments: RegisteredDeployment[]) {
    this.apply(deployments, [], { notify: false });
  }

  /**
   * Adds or replaces (same id) `upserts` and removes `removeIds`; returns the deployments that
   * left (replaced or removed), whose adapters the caller closes once no call can use them.
   */
  apply(upserts: readonly RegisteredDeployment[], removeIds: readonly string[], opts: { notify?: boolean } = {}): RegisteredDeployment[] {
    if (upserts.length === 0 && removeIds.length === 0) return [];
    const ids = new Map(this.ids);
    const touched = new Set<string>();
    const left: RegisteredDeployment[] = [];
    for (const id of removeIds) {
      const old = ids.get(id);
      if (!old) continue;
      ids.delete(id);
      touched.add(old.config.modelName);
      left.push(old);
    }
    for (const d of upserts) {
      const old = ids.get(d.config.id);
      if (old) {
        touched.add(old.config.modelName);
        left.push(old);
      }
      ids.set(d.config.id, d); // a replaced id keeps its place
      touched.add(d.config.modelName);
    }
    const members = new Map<string, RegisteredDeployment[]>();
    for (const d of ids.values()) {
      const name = d.config.modelName;
      if (!touched.has(name)) continue;
      let list = members.get(name);
      if (!list) members.set(name, (list = []));
      list.push(d);
    }
    const groups = new Map(this.groups);
    for (const name of touched) {
      const list = members.get(name);
      if (list) groups.set(name, buildGroup(name, list));
      else groups.delete(name);
    }
    // One synchronous swap: a call reads either the old maps or the new ones.
    this.ids = ids;
    this.groups = groups;
    this.wildcards = [...groups.values()].filter((g) => g.pattern);
    this.viewList = undefined;
    this.version++;
    for (const d of left) this.retire(d);
    if (opts.notify !== false) for (const l of this.listeners) l();
    return left;
  }

  /** Calls `listener` after every change; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Deployments that can serve `model` on `endpoint`: an exact group first, then wildcard groups
   * (`openai/*`) in config order, whose deployments get the matched name substituted.
   */
  routable(model: string, endpoint: Endpoint): readonly RoutableDeployment[] | undefined {
    const group = this.groups.get(model);
    if (group && !group.pattern) return group.byEndpoint.get(endpoint) ?? [];
    for (const w of this.wildcards) {
      const m = w.pattern!.exec(model);
      if (!m) continue;
      return (w.byEndpoint.get(endpoint) ?? []).map((r) => (r.model.includes('*') ? Object.freeze({ ...r, model: r.model.replace('*', m[1]!) }) : r));
    }
    return undefined;
  }

  /** A registered deployment, or one removed moments ago (a call routed to it may still be running). */
  byId(id: string): RegisteredDeployment | undefined {
    return this.ids.get(id) ?? this.retired.get(id);
  }

  list(): ModelListing[] {
    return [...this.groups.values()]
      .filter((g) => !g.pattern)
      .map((g) => ({ id: g.name, object: 'model' as const, created: CREATED, owned_by: g.deployments[0]!.owner }));
  }

  has(modelName: string): boolean {
    return this.groups.has(modelName) || this.wildcards.some((w) => w.pattern!.test(modelName));
  }

  /** Every deployment of a group, whichever endpoint it serves. */
  deploymentsOf(model: string): readonly RegisteredDeployment[] {
    return this.groupOf(model)?.deployments ?? [];
  }

  /** The same deployments as price estimates see them (no allocation: a call's budget estimate asks). */
  pricingGroup(model: string): readonly PricedDeployment[] {
    return this.groupOf(model)?.priced ?? NOTHING_PRICED;
  }

  private groupOf(model: string): Group | undefined {
    return this.groups.get(model) ?? this.wildcards.find((w) => w.pattern!.test(model));
  }

  all(): RegisteredDeployment[] {
    return [...this.ids.values()];
  }

  /** Every deployment as plugins see it (no credentials), built once per change. */
  views(): readonly DeploymentView[] {
    this.viewList ??= Object.freeze([...this.ids.values()].map((d) => this.viewOf(d)));
    return this.viewList;
  }

  viewOf(d: RegisteredDeployment): DeploymentView {
    let view = this.viewCache.get(d);
    if (!view) {
      view = Object.freeze({
        id: d.config.id,
        modelName: d.config.modelName,
        provider: d.config.provider,
        model: d.config.model,
        params: Object.freeze(visibleParams(d.config.params)),
        modelInfo: d.config.modelInfo,
        source: d.source ?? 'config',
      });
      this.viewCache.set(d, view);
    }
    return view;
  }

  /** Adapters of deployments still reachable for in-flight calls (closed at shutdown). */
  retiredDeployments(): RegisteredDeployment[] {
    return [...this.retired.values()];
  }

  private retire(d: RegisteredDeployment): void {
    const id = d.config.id;
    if (this.ids.get(id) === d) return;
    this.retired.set(id, d);
    const timer = setTimeout(() => {
      if (this.retired.get(id) === d) this.retired.delete(id);
      if (this.ids.get(id)?.adapter !== d.adapter) void d.adapter.close?.().catch(() => {});
    }, RETIRE_MS);
    timer.unref();
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
