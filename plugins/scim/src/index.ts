/**
 * SCIM v2 provisioning (LiteLLM's /scim/v2, scim_v2.py): identity providers (Okta, Microsoft
 * Entra ID, …) create, change, deactivate and delete internal users and teams. The plugin owns
 * no table: every change goes through the gateway's management routes (`ctx.management`), so
 * governance-tenancy validates, audits and propagates it to every instance as for any admin.
 */
import { definePlugin } from '@sluice/plugin-sdk';
import type { ScimConfig } from './config.generated.js';
import { blockKeyOfInactiveUser } from './deactivated-keys.js';
import { Management } from './management.js';
import { discoveryRoutes } from './scim-discovery.js';
import { groupRoutes } from './scim-groups.js';
import type { ScimDeps } from './scim-route.js';
import { userRoutes } from './scim-users.js';

export { ScimErrors } from './scim-errors.js';
export { parseFilter } from './scim-filter.js';

export default definePlugin<ScimConfig>({
  id: 'scim',
  version: '1.0.0',
  apiVersion: '^2',
  setup(ctx, config) {
    const deps: ScimDeps = { ctx, config, management: new Management(ctx) };
    return {
      routes: [...discoveryRoutes(deps), ...userRoutes(deps), ...groupRoutes(deps)],
      async onAudit(event) {
        await blockKeyOfInactiveUser(deps.management, event);
      },
    };
  },
});
