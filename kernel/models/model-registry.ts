/**
 * Model groups → deployments, with their provider adapters built once at load. Routing here is
 * plain round-robin across a group's deployments; the router plugin replaces the choice.
 */
import type { ModelCatalog, ModelListing } from '../../plugin-sdk/capabilities.js';
import type { DeploymentInfo, Endpoint } from '../../plugin-sdk/hook-contexts.js';
import type { DeploymentConfig, ProviderAdapter } from '../../plugin-sdk/provider.js';

export interface RegisteredDeployment {
  readonly config: DeploymentConfig;
  /** What observers and plugins may see of the deployment: no credentials. */
  readonly info: DeploymentInfo;
  readonly adapter: ProviderAdapter;
  readonly endpoints: ReadonlySet<Endpoint>;
  /** Plugin that serves the provider. */
  readonly providerPlugin: string;
}

export interface ModelGroup {
  readonly name: string;
  readonly deployments: readonly RegisteredDeployment[];
  /** For wildcard groups (`openai/*`): the part of the requested model matched by `*`. */
  readonly wildcardMatch?: string;
  cursor: number;
}

interface WildcardGroup {
  pattern: RegExp;
  group: ModelGroup;
}

const CREATED = 1_677_610_602; // LiteLLM's fixed `created` for config models

export class ModelRegistry implements ModelCatalog {
  private readonly groups = new Map<string, ModelGroup>();
  private readonly wildcards: WildcardGroup[] = [];

  constructor(deployments: RegisteredDeployment[]) {
    for (const d of deployments) {
      const name = d.config.modelName;
      let group = this.groups.get(name);
      if (!group) {
        group = { name, deployments: [], cursor: 0 };
        this.groups.set(name, group);
        if (name.includes('*')) {
          const pattern = new RegExp(`^${name.split('*').map(escapeRegExp).join('(.+)')}$`);
          this.wildcards.push({ pattern, group });
        }
      }
      (group.deployments as RegisteredDeployment[]).push(d);
    }
  }

  /** The group serving `model`, exact names first, then wildcard patterns in config order. */
  resolve(model: string): { group: ModelGroup; wildcardMatch?: string } | undefined {
    const group = this.groups.get(model);
    if (group) return { group };
    for (const w of this.wildcards) {
      const m = w.pattern.exec(model);
      if (m) return { group: w.group, wildcardMatch: m[1] };
    }
    return undefined;
  }

  /** Round-robin over the deployments of a group that implement `endpoint`. */
  pick(group: ModelGroup, endpoint: Endpoint): RegisteredDeployment | undefined {
    const list = group.deployments;
    for (let i = 0; i < list.length; i++) {
      const d = list[(group.cursor + i) % list.length]!;
      if (d.endpoints.has(endpoint)) {
        group.cursor = (group.cursor + i + 1) % list.length;
        return d;
      }
    }
    return undefined;
  }

  /** The upstream model for a request: wildcard deployments substitute the matched part. */
  upstreamModel(d: RegisteredDeployment, wildcardMatch: string | undefined): string {
    if (wildcardMatch === undefined) return d.config.model;
    return d.config.model.includes('*') ? d.config.model.replace('*', wildcardMatch) : d.config.model;
  }

  list(): ModelListing[] {
    return [...this.groups.values()]
      .filter((g) => !g.name.includes('*'))
      .map((g) => ({ id: g.name, object: 'model' as const, created: CREATED, owned_by: ownerOf(g) }));
  }

  has(modelName: string): boolean {
    return this.resolve(modelName) !== undefined;
  }

  all(): RegisteredDeployment[] {
    return [...this.groups.values()].flatMap((g) => g.deployments);
  }
}

function ownerOf(group: ModelGroup): string {
  const provider = group.deployments[0]?.config.provider;
  return provider === 'fake' ? 'sluice' : provider === undefined || provider === 'openai_compatible' ? 'openai' : provider;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
