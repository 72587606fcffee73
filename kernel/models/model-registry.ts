/**
 * Model groups → deployments, with their provider adapters built once at load. The registry
 * answers "which deployments could serve this model on this endpoint"; choosing among them is the
 * router's job (kernel/models/default-router.ts when no router plugin is enabled).
 */
import type { ModelListing, DeploymentInfo, Endpoint, DeploymentConfig, PricedDeployment, ProviderAdapter, RoutableDeployment } from '@sluice/plugin-sdk';

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
}

const ENDPOINTS: Endpoint[] = ['chat', 'completions', 'embeddings'];
const NOTHING_PRICED: readonly PricedDeployment[] = Object.freeze([]);
const CREATED = 1_677_610_602; // LiteLLM's fixed `created` for config models

interface Group {
  name: string;
  deployments: RegisteredDeployment[];
  /** Routable views per endpoint, precomputed so the hot path allocates nothing. */
  byEndpoint: Map<Endpoint, RoutableDeployment[]>;
  /** The deployments as price estimates see them, precomputed for the same reason. */
  priced: PricedDeployment[];
  pattern?: RegExp;
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

export class ModelRegistry {
  private readonly groups = new Map<string, Group>();
  private readonly wildcards: Group[] = [];
  private readonly ids = new Map<string, RegisteredDeployment>();

  constructor(deployments: RegisteredDeployment[]) {
    for (const d of deployments) {
      this.ids.set(d.config.id, d);
      const name = d.config.modelName;
      let group = this.groups.get(name);
      if (!group) {
        group = { name, deployments: [], byEndpoint: new Map(), priced: [] };
        if (name.includes('*')) {
          group.pattern = new RegExp(`^${name.split('*').map(escapeRegExp).join('(.+)')}$`);
          this.wildcards.push(group);
        }
        this.groups.set(name, group);
      }
      group.deployments.push(d);
      group.priced.push(d.priced);
    }
    for (const g of this.groups.values()) {
      for (const e of ENDPOINTS) g.byEndpoint.set(e, g.deployments.filter((d) => d.endpoints.has(e)).map((d) => d.route));
    }
  }

  /**
   * Deployments that can serve `model` on `endpoint`: an exact group first, then wildcard groups
   * (`openai/*`) in config order, whose deployments get the matched name substituted.
   */
  routable(model: string, endpoint: Endpoint): readonly RoutableDeployment[] | undefined {
    const group = this.groups.get(model);
    if (group && !group.pattern) return group.byEndpoint.get(endpoint);
    for (const w of this.wildcards) {
      const m = w.pattern!.exec(model);
      if (!m) continue;
      return w.byEndpoint.get(endpoint)!.map((r) => (r.model.includes('*') ? Object.freeze({ ...r, model: r.model.replace('*', m[1]!) }) : r));
    }
    return undefined;
  }

  byId(id: string): RegisteredDeployment | undefined {
    return this.ids.get(id);
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
}


function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
