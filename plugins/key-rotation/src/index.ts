/**
 * Scheduled key rotation (LiteLLM's `LITELLM_KEY_ROTATION_ENABLED` job): a timer runs a round
 * (rotation-job.ts) every `check_interval_seconds`; the keys, their schedule and the rotation
 * itself belong to governance-tenancy, reached through `ctx.management`.
 */
import { definePlugin, parseDuration } from '@sluice/plugin-sdk';
import manifest from '../plugin.json' with { type: 'json' };
import type { KeyRotationConfig } from './config.generated.js';
import { RotationJob } from './rotation-job.js';

const isTrue = (v: unknown) => v === true || (typeof v === 'string' && /^\s*true\s*$/i.test(v));
const seconds = (v: number | string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));

export default definePlugin<KeyRotationConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  checkConfig(config) {
    const grace = config.grace_period?.trim();
    return grace && parseDuration(grace) === undefined ? [`key-rotation: grace_period "${grace}" is not a duration like "24h"; rotated keys are revoked at once`] : [];
  },
  setup(ctx, config) {
    if (!isTrue(config.enabled ?? true)) {
      ctx.log.info('LITELLM_KEY_ROTATION_ENABLED is not true: scheduled key rotation is off');
      return {};
    }
    const intervalMs = seconds(config.check_interval_seconds, 86_400) * 1000;
    const grace = config.grace_period?.trim();
    const job = new RotationJob(ctx, {
      gracePeriod: grace && parseDuration(grace) !== undefined ? grace : undefined,
      lockTtlMs: seconds(config.lock_ttl_seconds, 600) * 1000,
      pageSize: config.page_size ?? 100,
    });
    const timer = setInterval(() => {
      job.run().catch((err: Error) => ctx.log.error({ err: err.message }, 'key rotation round failed; retried next round'));
    }, intervalMs);
    timer.unref();
    ctx.log.info({ every_seconds: intervalMs / 1000, grace_period: grace || null }, 'scheduled key rotation on');
    return {
      async close() {
        clearInterval(timer);
        await job.idle();
      },
    };
  },
});
