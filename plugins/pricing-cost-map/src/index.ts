/**
 * Pricing from LiteLLM's model cost map, and the endpoints that reload it. A reload never leaves
 * the gateway without prices: a map that cannot be fetched or read keeps the current one, and a
 * reload on one instance makes the others reload too (counters pub/sub).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { definePlugin, definePluginErrors, type RouteDefinition } from '@sluice/plugin-sdk';
import type { PricingCostMapConfig } from './config.generated.js';
import { CostMap, validateCostMap, type CostMapData } from './cost-map.js';

const RELOAD_CHANNEL = 'pricing:cost-map-reloaded';

const Errors = definePluginErrors('COST_MAP', {
  RELOAD_FAILED: {
    status: 502,
    type: 'api_error',
    message: 'Could not reload the model cost map from {source}: {reason}. The previous map ({models} models) stays in use.',
  },
  BAD_HOURS: { status: 400, type: 'invalid_request_error', param: 'hours', message: "Query parameter 'hours' must be a positive number of hours, got {hours}." },
});

export default definePlugin<PricingCostMapConfig>({
  id: 'pricing-cost-map',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx, config) {
    const startFile = config.file ?? join(ctx.pluginDir, 'data', 'model_prices_and_context_window.json');
    let map = new CostMap(validateCostMap(JSON.parse(readFileSync(startFile, 'utf8'))));
    let source = config.file ?? 'bundled';
    let lastRun: string | undefined;
    let schedule: { hours: number; timer: NodeJS.Timeout; nextRun: number } | undefined;

    const load = async (): Promise<{ data: CostMapData; from: string }> => {
      if (config.url) {
        const res = await ctx.http.request(config.url, { headersTimeoutMs: config.fetch_timeout_ms, bodyTimeoutMs: config.fetch_timeout_ms });
        if (res.status !== 200) {
          await res.body.text().catch(() => '');
          throw new Error(`HTTP ${res.status}`);
        }
        return { data: validateCostMap(await res.body.json()), from: config.url };
      }
      return { data: validateCostMap(JSON.parse(readFileSync(startFile, 'utf8'))), from: config.file ?? 'bundled' };
    };

    const reload = async (announce: boolean) => {
      const from = config.url ?? config.file ?? 'bundled';
      let loaded;
      try {
        loaded = await load();
      } catch (err) {
        ctx.log.warn({ source: from, reason: (err as Error).message }, 'model cost map reload failed; keeping the current map');
        throw Errors.RELOAD_FAILED({ source: from, reason: (err as Error).message, models: map.size });
      }
      map = new CostMap(loaded.data);
      source = loaded.from;
      lastRun = new Date().toISOString();
      ctx.log.info({ source, models: map.size }, 'model cost map reloaded');
      if (announce) await ctx.counters.publish(RELOAD_CHANNEL, lastRun).catch(() => undefined);
      return map.size;
    };

    const unsubscribe = await ctx.counters.subscribe(RELOAD_CHANNEL, () => {
      reload(false).catch(() => undefined);
    });

    const admin = ['proxy_admin'] as const;
    const routes: RouteDefinition[] = [
      {
        method: 'POST',
        url: '/reload/model_cost_map',
        access: [...admin],
        summary: 'Reload the model cost map now',
        handler: async () => {
          const models = await reload(true);
          return { body: { status: 'success', message: 'Model cost map reloaded successfully', models_count: models, source, timestamp: lastRun } };
        },
      },
      {
        method: 'POST',
        url: '/schedule/model_cost_map_reload',
        access: [...admin],
        summary: 'Reload the model cost map every N hours',
        handler: async (req) => {
          const raw = Array.isArray(req.query.hours) ? req.query.hours[0] : req.query.hours;
          const hours = Number(raw);
          if (!raw || !Number.isFinite(hours) || hours <= 0) throw Errors.BAD_HOURS({ hours: JSON.stringify(raw ?? null) });
          if (schedule) clearInterval(schedule.timer);
          const everyMs = hours * 3_600_000;
          const timer = setInterval(() => {
            if (schedule) schedule.nextRun = Date.now() + everyMs;
            reload(true).catch(() => undefined);
          }, everyMs);
          timer.unref();
          schedule = { hours, timer, nextRun: Date.now() + everyMs };
          return {
            body: { status: 'success', message: `Model cost map reload scheduled every ${hours} hours`, interval_hours: hours, next_run: new Date(schedule.nextRun).toISOString() },
          };
        },
      },
      {
        method: 'DELETE',
        url: '/schedule/model_cost_map_reload',
        access: [...admin],
        summary: 'Cancel the scheduled reload',
        handler: async () => {
          const had = schedule !== undefined;
          if (schedule) clearInterval(schedule.timer);
          schedule = undefined;
          return { body: { status: 'success', message: had ? 'Scheduled model cost map reload cancelled' : 'No model cost map reload was scheduled' } };
        },
      },
      {
        method: 'GET',
        url: '/schedule/model_cost_map_reload/status',
        access: [...admin, 'proxy_admin_viewer'],
        summary: 'State of the scheduled reload',
        handler: async () => ({
          body: {
            scheduled: schedule !== undefined,
            interval_hours: schedule?.hours ?? null,
            next_run: schedule ? new Date(schedule.nextRun).toISOString() : null,
            last_run: lastRun ?? null,
            models_count: map.size,
            source,
          },
        }),
      },
      {
        method: 'GET',
        url: '/get/litellm_model_cost_map',
        access: [...admin, 'proxy_admin_viewer'],
        summary: 'The model cost map in use',
        handler: async () => ({ body: map.data }),
      },
    ];

    return {
      pricing: {
        costOf: (input) => map.costOf(input),
        estimateCost: (group, promptTokens, completionTokens) => map.estimateCost(group, promptTokens, completionTokens),
      },
      routes,
      async close() {
        if (schedule) clearInterval(schedule.timer);
        await unsubscribe();
      },
    };
  },
});
