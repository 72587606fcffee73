/**
 * LiteLLM's `datadog` callback: one Datadog log per call (success: status info, failure: error)
 * whose message is the StandardLoggingPayload, sent to the logs intake in gzip'd batches. Routing
 * (global lists, team/key logging, opt-outs) is the SDK's loggingTargets; content is what the
 * client got (ResponseRecorder) redacted as configured; every destination sends through its own
 * LogDelivery, so a slow or dead Datadog costs the request path nothing and loses nothing.
 */
import {
  definePlugin,
  loggingTargets,
  globalCallbackScope,
  resolveCallbackVars,
  ResponseRecorder,
  standardLoggingPayload,
  type LoggingTarget,
  type PluginContext,
} from '@sluice/plugin-sdk';
import { LogDelivery, LazyDeliveryPool, destinationName } from '@sluice/plugin-sdk/node';
import type { LoggingDatadogConfig } from './config.generated.js';
import { DatadogIntake, DD_MAX_BATCH_SIZE, type IntakeDestination } from './datadog-intake.js';
import { datadogVars, isDatadogEnvName, resolveDestination } from './datadog-destination.js';
import { baseTags, datadogPayload, type DatadogPayload, type DatadogTagging } from './datadog-payload.js';
import manifest from '../plugin.json' with { type: 'json' };

export { DatadogIntake, chunksWithinLimits } from './datadog-intake.js';
export { resolveDestination } from './datadog-destination.js';

const NAMES = manifest.litellm.callbacks;
const INTEGRATION = 'datadog';

export default definePlugin<LoggingDatadogConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const tagging: DatadogTagging = {
      source: config.dd_source ?? 'litellm',
      service: config.dd_service ?? 'litellm-server',
      env: config.dd_env ?? 'unknown',
      version: config.dd_version ?? 'unknown',
      hostname: config.hostname ?? '',
      podName: config.pod_name ?? 'unknown',
    };
    const tags = baseTags(tagging);
    const batchSize = batchSizeOf(config.batch_size, ctx);
    const ls = ctx.settings.litellm_settings;
    const turnOffMessageLogging = ls.turn_off_message_logging === true || config.datadog_params?.turn_off_message_logging === true;
    const redactUserApiKeyInfo = ls.redact_user_api_key_info === true;
    const scrub = (t: string) => ctx.secrets.scrub(t);
    const gatewayEndpoint = { ...config, dd_agent_port: config.dd_agent_port === undefined ? undefined : String(config.dd_agent_port) };

    const delivery = (name: string, destination: IntakeDestination) => {
      const intake = new DatadogIntake(destination, { http: ctx.http, log: ctx.log, gzip: config.gzip !== false });
      return new LogDelivery<DatadogPayload>({
        name,
        send: (batch) => intake.send(batch.texts, batch.signal),
        dataDir: ctx.dataDir,
        log: ctx.log,
        metrics: ctx.metrics,
        batchSize,
        flushIntervalMs: (config.flush_interval ?? 5) * 1000,
      });
    };

    // The gateway's own destination, when its config is complete; a team's may still be.
    let global: LogDelivery<DatadogPayload> | undefined;
    const globalResult = resolveDestination(gatewayEndpoint);
    if (globalResult.ok) global = delivery(INTEGRATION, globalResult.destination);
    else {
      const scope = globalCallbackScope(NAMES, ctx.settings);
      if (scope.success || scope.failure) ctx.log.warn({ reason: globalResult.reason }, 'datadog: the gateway-wide Datadog destination is not configured; only teams and keys with their own dd_api_key/dd_site are logged');
    }

    const teams = new LazyDeliveryPool<DatadogPayload>(config.max_team_destinations ?? 50);
    const warned = new Set<string>();
    const destinationFor = (target: LoggingTarget): Promise<LogDelivery<DatadogPayload> | undefined> => {
      const vars = target.vars ? datadogVars(target.vars) : {};
      if (Object.keys(vars).length === 0) return Promise.resolve(global);
      return teams.get(destinationName(INTEGRATION, target.id, vars), async () => {
        const resolved = await resolveCallbackVars(vars, (n) => ctx.secrets.get(n), isDatadogEnvName);
        const result = resolveDestination(gatewayEndpoint, resolved);
        if (!result.ok) {
          if (!warned.has(target.id)) ctx.log.warn({ destination: target.id, reason: result.reason }, 'datadog: this team/key destination is not usable; its calls are not sent to Datadog');
          warned.add(target.id);
          return undefined;
        }
        return delivery(destinationName(INTEGRATION, target.id, vars), result.destination);
      });
    };

    const recorder = new ResponseRecorder();
    return {
      async preCall(call) {
        // With content redacted the response is never logged: do not ask the kernel to assemble it.
        if (!turnOffMessageLogging) recorder.note(call);
      },
      async onSpend(event) {
        const response = recorder.take(event.requestId);
        const targets = loggingTargets(event, { names: NAMES, settings: ctx.settings });
        if (targets.length === 0) return;
        const payload = standardLoggingPayload(event, { response, turnOffMessageLogging, redactUserApiKeyInfo, scrub });
        const item = datadogPayload(payload, tagging, tags);
        for (const target of targets) (await destinationFor(target))?.push(item);
      },
      async close() {
        await Promise.all([global?.close(), teams.closeAll()]);
      },
    };
  },
});

/** DD_BATCH_SIZE as LiteLLM reads it: a number from 1 to 1000; anything else warns and keeps 1000. */
function batchSizeOf(value: number | string | undefined, ctx: PluginContext): number {
  if (value === undefined) return DD_MAX_BATCH_SIZE;
  const n = typeof value === 'number' ? value : /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n)) {
    ctx.log.warn({ value }, `datadog: ignoring invalid DD_BATCH_SIZE, using ${DD_MAX_BATCH_SIZE}`);
    return DD_MAX_BATCH_SIZE;
  }
  return Math.max(1, Math.min(n, DD_MAX_BATCH_SIZE));
}
