/**
 * Models in the database (LiteLLM's `store_model_in_db`) and team-managed models.
 *
 * The table holds deployments with their `litellm_params` encrypted at rest as LiteLLM encrypts
 * them (salt-encryption.ts). As the gateway's deployment source it hands them to the kernel, which
 * builds them like `model_list` entries; model-sync.ts keeps every instance in step (pub/sub plus a
 * polled version row). A team model is served under an internal name and called by its team under
 * its public name: preCall rewrites the name (team-model-names.ts); who may call it is the model
 * access provider's decision. The read routes (`/model/info`, `/model_group/info`) work without
 * `store_model_in_db` and list config models too.
 */
import type { Knex } from 'knex';
import { definePlugin } from '@sluice/plugin-sdk';
import type { ModelStoreConfig } from './config.generated.js';
import { MIGRATIONS } from './migrations.js';
import { modelInfoRoutes } from './model-info-routes.js';
import { modelRoutes } from './model-routes.js';
import { ModelRows } from './model-rows.js';
import { ModelSync } from './model-sync.js';
import { KeyRing } from './key-ring.js';
import { followRotations, masterKeyRotationRoutes } from './master-key-rotation.js';
import { TeamModelNames } from './team-model-names.js';
import { litellmModelImporter } from './litellm-import.js';

const NO_SALT_KEY_WARNING =
  'store_model_in_db is on but neither LITELLM_SALT_KEY nor general_settings.master_key is set: stored models are served, but adding or updating one fails until a salt key is set';

const truthy = (v: unknown) => v === true || (typeof v === 'string' && /^(true|1|yes)$/i.test(v.trim()));

export default definePlugin<ModelStoreConfig>({
  id: 'model-store',
  version: '1.0.0',
  apiVersion: '^2',
  migrations: MIGRATIONS,
  checkConfig(config) {
    // LiteLLM starts without a salt key and fails when a model is written: a warning, not an error.
    if (truthy(config.store_model_in_db) && !config.salt_key && !config.master_key) return [NO_SALT_KEY_WARNING];
    return [];
  },
  async setup(ctx, config) {
    const enabled = truthy(config.store_model_in_db);
    const saltKey = config.salt_key || config.master_key || '';
    if (saltKey) ctx.secrets.redact(saltKey);
    // A ring, not one key: after a master key rotation the old key still reads until the restart.
    const encryption = new KeyRing(saltKey, config.encryption_algorithm ?? 'xsalsa20-poly1305');
    const rows = new ModelRows(ctx.database.knex as Knex, encryption);
    const sync = new ModelSync(ctx, rows, config.poll_interval_ms ?? 250);
    const rotation = masterKeyRotationRoutes({ ctx, ring: encryption, masterKey: config.master_key || undefined, saltKeySet: !!config.salt_key });
    const routes = [...modelInfoRoutes(ctx), ...modelRoutes({ ctx, rows, sync, enabled }), ...rotation];
    const importers = [litellmModelImporter({ ctx, rows, encryption, serving: enabled })];
    const unfollow = config.salt_key ? undefined : await followRotations(ctx, encryption);
    if (!enabled) return { routes, importers, close: async () => unfollow?.() };
    const teamNames = new TeamModelNames(ctx.models);
    return {
      deploymentSource: { start: (deployments) => sync.start(deployments) },
      async preCall(call) {
        teamNames.rewrite(call);
      },
      routes,
      importers,
      async close() {
        await unfollow?.();
        await sync.stop();
      },
    };
  },
});
