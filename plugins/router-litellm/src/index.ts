/** LiteLLM's router as a plugin: strategies, retries, fallbacks, cooldowns, rpm/tpm, mocks, aliases. */
import { definePlugin } from '@sluice/plugin-sdk';
import type { RouterLitellmConfig } from './config.generated.js';
import { Cooldowns } from './cooldowns.js';
import { DeploymentStats } from './deployment-stats.js';
import { routeCall, type RouterParts } from './route-call.js';
import { routerSettings } from './router-settings.js';
import { strategyPick } from './strategies.js';

export default definePlugin<RouterLitellmConfig>({
  id: 'router-litellm',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx, config) {
    const settings = routerSettings(config);
    const stats = new DeploymentStats();
    const cooldowns = new Cooldowns(ctx.counters, ctx.log, settings.allowedFails, settings.cooldownMs);
    if (settings.cooldowns) await cooldowns.start();
    const parts: RouterParts = { settings, stats, cooldowns, pick: strategyPick(settings.strategy, settings.latencyBuffer) };
    return {
      router: { route: (req) => routeCall(req, parts) },
      close: () => cooldowns.close(),
    };
  },
});
