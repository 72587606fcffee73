/**
 * LiteLLM's `s3` / `s3_v2` logging callback: every call the routing sends here (global callback
 * lists, a team's or key's logging settings, minus calls whose team disabled logging) becomes one
 * StandardLoggingPayload JSON object in the bucket, under LiteLLM's key layout. Payloads are built
 * in onSpend (after the client's answer) and handed to LogDelivery, which uploads them every
 * `s3_flush_interval` seconds, retries a failed round, and spills to the data dir when S3 stays
 * down; the request path never waits for S3.
 *
 * S3 has no per-team destination in LiteLLM (its dynamic callback params carry no S3 settings), so
 * a team's or key's `s3` callback sends to the one configured bucket; team folders come from
 * `s3_use_team_prefix`.
 */
import { definePlugin, loggingTargets, ResponseRecorder, standardLoggingPayload, type StandardLoggingPayload } from '@sluice/plugin-sdk';
import { LogDelivery } from '@sluice/plugin-sdk/node';
import type { ExportS3Config } from './config.generated.js';
import { promptsOnly, stripBase64Files } from './payload-filters.js';
import { readS3Settings } from './s3-settings.js';
import { S3Uploader } from './s3-uploader.js';
import manifest from '../plugin.json' with { type: 'json' };

export { s3ObjectKey, downloadFileName } from './object-key.js';
export { readS3Settings } from './s3-settings.js';

const CALLBACK_NAMES = manifest.litellm.callbacks;

export default definePlugin<ExportS3Config>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const settings = readS3Settings(config);
    for (const secret of settings.secrets) ctx.secrets.redact(secret);
    for (const warning of settings.warnings) ctx.log.warn(warning);
    const uploader = new S3Uploader(settings);
    const delivery = new LogDelivery<StandardLoggingPayload>({
      name: 's3',
      send: (batch) => uploader.send(batch),
      dataDir: ctx.dataDir,
      log: ctx.log,
      metrics: ctx.metrics,
      batchSize: settings.batchSize,
      flushIntervalMs: settings.flushIntervalMs,
      timeoutMs: 30_000,
    });
    const recorder = new ResponseRecorder();
    const ls = ctx.settings.litellm_settings;
    const scrub = (t: string) => ctx.secrets.scrub(t);
    ctx.log.info({ bucket: settings.bucket, s3_path: settings.s3Path, endpoint: settings.client.endpoint }, 's3 logging: writing one object per call');

    return {
      async preCall(call) {
        recorder.note(call);
      },
      async onSpend(event) {
        const response = recorder.take(event.requestId);
        const targets = loggingTargets(event, { names: CALLBACK_NAMES, settings: ctx.settings });
        if (targets.length === 0) return;
        // LiteLLM's dynamic param turn_off_message_logging, set in a team's or key's callback_vars.
        const teamTurnsOff = targets.some((t) => /^true$/i.test(t.vars?.turn_off_message_logging ?? ''));
        let payload = standardLoggingPayload(event, {
          response,
          turnOffMessageLogging: ls.turn_off_message_logging === true || teamTurnsOff,
          redactUserApiKeyInfo: ls.redact_user_api_key_info === true,
          scrub,
        });
        if (settings.stripBase64Files) payload = stripBase64Files(payload);
        if (settings.promptsOnly) payload = promptsOnly(payload);
        delivery.push(payload);
      },
      async close() {
        await delivery.close();
        uploader.destroy();
      },
    };
  },
});
