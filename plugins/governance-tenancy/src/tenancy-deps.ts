/** What the route modules share: the stores, invalidation and the audit helper. */
import type { Knex } from 'knex';
import type { PluginContext, Principal, RouteRequest } from '@sluice/plugin-sdk';
import { EntityStore } from './entity-store.js';
import { BUDGETS, CUSTOMERS, ORGANIZATIONS, PROJECTS, TAGS, TEAMS, USERS } from './entity-tables.js';
import type { BudgetRecord, CustomerRecord, OrgRecord, ProjectRecord, TagRecord, TeamRecord, UserRecord } from './entity-records.js';
import { KeyStore } from './key-store.js';
import { MembershipStore } from './membership-store.js';
import { TenancyErrors } from './errors.js';
import type { KeyGenerateParams } from './key-defaults.js';
import type { VirtualKeySecrets } from './key-secrets.js';
import { redactForAudit } from './logging-callbacks.js';

export interface Stores {
  keys: KeyStore;
  users: EntityStore<UserRecord>;
  teams: EntityStore<TeamRecord>;
  organizations: EntityStore<OrgRecord>;
  projects: EntityStore<ProjectRecord>;
  customers: EntityStore<CustomerRecord>;
  tags: EntityStore<TagRecord>;
  budgets: EntityStore<BudgetRecord>;
  members: MembershipStore;
}

export function openStores(ctx: PluginContext): Stores {
  // The kernel's knex instance: the SDK types it narrowly (SqlQueryBuilder); the stores build queries with knex.
  const knex = ctx.database.knex as Knex;
  return {
    keys: new KeyStore(knex),
    users: new EntityStore<UserRecord>(knex, USERS),
    teams: new EntityStore<TeamRecord>(knex, TEAMS),
    organizations: new EntityStore<OrgRecord>(knex, ORGANIZATIONS),
    projects: new EntityStore<ProjectRecord>(knex, PROJECTS),
    customers: new EntityStore<CustomerRecord>(knex, CUSTOMERS),
    tags: new EntityStore<TagRecord>(knex, TAGS),
    budgets: new EntityStore<BudgetRecord>(knex, BUDGETS),
    members: new MembershipStore(knex),
  };
}

export interface TenancyDeps {
  ctx: PluginContext;
  stores: Stores;
  /** Drops these key hashes here and on every instance. */
  invalidateKeys(hashes: string[]): Promise<void>;
  /** An entity changed: every instance drops its cached keys, customers and tags. */
  entityChanged(kind: string, id: string): Promise<void>;
  audit(req: RouteRequest, action: string, objectType: string, objectId: string, before?: unknown, after?: unknown): void;
  /** LiteLLM's key and internal-user defaults and caps (litellm_settings), checked at load. */
  settings?: TenancySettings;
}

export interface TenancySettings {
  keyParams: KeyGenerateParams;
  /** `default_internal_user_params`, `max_internal_user_budget`, `internal_user_budget_duration`. */
  internalUserDefaults: Record<string, unknown>;
  /** LITELLM_KEY_ROTATION_GRACE_PERIOD in ms: how long a regenerated key's old value keeps working when the request names no grace_period. */
  keyRotationGraceMs?: number;
  /** The gateway's master key (general_settings.master_key, SLUICE_MASTER_KEY, LITELLM_MASTER_KEY): /key/regenerate naming it rotates it. */
  masterKey?: string;
  /** `key_management_settings.store_virtual_keys`: keys written to / removed from the secret managers (key-secrets.ts). */
  virtualKeySecrets?: VirtualKeySecrets;
}

export function auditor(ctx: PluginContext): TenancyDeps['audit'] {
  return (req, action, objectType, objectId, before, after) =>
    ctx.audit({
      actor: { id: req.principal?.id ?? 'unknown', role: req.principal?.role ?? 'system' },
      action,
      objectType,
      objectId,
      // Logging callback credentials (a key's or team's metadata) never reach the audit trail.
      ...(before !== undefined && { before: redactForAudit(before) }),
      ...(after !== undefined && { after: redactForAudit(after) }),
      ip: req.ip,
      requestId: req.requestId,
    });
}

export function principalOf(req: RouteRequest): Principal {
  return req.principal!;
}

export async function mustFind<T extends Record<string, unknown>>(store: EntityStore<T>, id: string, field = store.def.id): Promise<T> {
  const record = await store.find(id);
  if (!record) throw TenancyErrors.NOT_FOUND({ entity: store.def.entity, field, id }, { param: field });
  return record;
}
