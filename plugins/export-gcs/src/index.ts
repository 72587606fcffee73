/**
 * LiteLLM's `gcs_bucket` logging callback: every call the routing sends here becomes a
 * StandardLoggingPayload in a GCS bucket, batched into NDJSON objects (LiteLLM's default) or one
 * object per call. The gateway's bucket comes from GCS_BUCKET_NAME / GCS_PATH_SERVICE_ACCOUNT; a
 * team or key that logs to `gcs_bucket` with its own `callback_vars` (`gcs_bucket_name`,
 * `gcs_path_service_account`, LiteLLM's dynamic params) gets its own destination and queue, so
 * team A's logs never land in team B's bucket and a broken team bucket holds up no one else.
 */
import { definePlugin, loggingTargets, resolveCallbackVars, ResponseRecorder, standardLoggingPayload, type LoggingTarget } from '@sluice/plugin-sdk';
import { createHash } from 'node:crypto';
import type { ExportGcsConfig } from './config.generated.js';
import { serviceAccountAuth, type ServiceAccountAuth } from './gcs-auth.js';
import { GcsDestination } from './gcs-destination.js';
import manifest from '../plugin.json' with { type: 'json' };

export { batchObjectName, singleObjectName, splitBucketName } from './object-names.js';

const CALLBACK_NAMES = manifest.litellm.callbacks;
/** LiteLLM's GCS_DEFAULT_FLUSH_INTERVAL_SECONDS, GCS_DEFAULT_BATCH_SIZE. */
const DEFAULT_FLUSH_INTERVAL_SECONDS = 20;
const DEFAULT_BATCH_SIZE = 2048;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const falsy = (v: unknown): boolean => v === false || (typeof v === 'string' && /^(false|0|no)$/i.test(v.trim()));

export default definePlugin<ExportGcsConfig>({
  id: manifest.id,
  version: manifest.version,
  apiVersion: manifest.apiVersion,
  setup(ctx, config) {
    const positive = (v: unknown, name: string, fallback: number): number => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (Number.isFinite(n) && n > 0) return n;
      ctx.log.warn(`${name} is not a positive number (${JSON.stringify(v)}); using ${fallback}`);
      return fallback;
    };
    const batched = !falsy(config.use_batched_logging);
    const batchSize = Math.ceil(positive(config.batch_size, 'GCS_BATCH_SIZE', DEFAULT_BATCH_SIZE));
    const flushIntervalMs = positive(config.flush_interval, 'GCS_FLUSH_INTERVAL', DEFAULT_FLUSH_INTERVAL_SECONDS) * 1000;
    const apiEndpoint = text(config.api_endpoint);
    const globalBucket = text(config.bucket_name);
    const globalAccount = text(config.path_service_account);
    const maxDestinations = config.max_destinations ?? 32;
    if (!globalBucket) ctx.log.warn('gcs_bucket logging: GCS_BUCKET_NAME is not set; only calls whose team or key names its own gcs_bucket_name are logged');

    const accounts = new Map<string, ServiceAccountAuth>();
    const authFor = (source: string | undefined): ServiceAccountAuth | undefined => {
      if (!source) return undefined;
      let auth = accounts.get(source);
      if (!auth) {
        auth = serviceAccountAuth(source, { http: ctx.http!, now: () => ctx.now(), redact: (s) => ctx.secrets.redact(s) });
        accounts.set(source, auth);
      }
      return auth;
    };

    // Insertion order is recency: a destination used again moves to the end; the first is the least recent.
    const destinations = new Map<string, GcsDestination>();
    const destinationFor = (bucketName: string, account: string | undefined): GcsDestination => {
      const id = `${bucketName}\n${account ?? ''}`;
      let dest = destinations.get(id);
      if (dest) {
        destinations.delete(id);
        destinations.set(id, dest);
        return dest;
      }
      const isGlobal = bucketName === globalBucket && account === globalAccount;
      const auth = authFor(account);
      dest = new GcsDestination({
        // The global destination keeps the plain name; others a digest (stable across restarts, so a spill is found again).
        name: isGlobal ? 'gcs_bucket' : `gcs_bucket-${createHash('sha256').update(id).digest('hex').slice(0, 12)}`,
        bucketName,
        auth: auth && { client: auth.client, projectId: auth.key.projectId },
        apiEndpoint,
        batched,
        batchSize,
        flushIntervalMs,
        dataDir: ctx.dataDir,
        log: ctx.log,
        metrics: ctx.metrics,
      });
      destinations.set(id, dest);
      if (destinations.size > maxDestinations) {
        const [oldestId, oldest] = destinations.entries().next().value!;
        destinations.delete(oldestId);
        void oldest.close().catch((err: unknown) => ctx.log.warn({ err: (err as Error).message }, 'gcs_bucket logging: closing a retired destination failed'));
      }
      return dest;
    };
    // The gateway's own bucket is opened at start, so logs spilled by the previous run are sent without waiting for a call.
    if (globalBucket) destinationFor(globalBucket, globalAccount);

    /** The bucket and credentials of a target: the party's callback_vars over the gateway's (LiteLLM's dynamic params). */
    const resolveTarget = async (target: LoggingTarget): Promise<{ bucket?: string; account?: string; turnOff: boolean }> => {
      if (!target.vars) return { bucket: globalBucket, account: globalAccount, turnOff: false };
      // Only GCS_* variables may be referenced: a team admin cannot read other settings through os.environ/.
      const vars = await resolveCallbackVars(target.vars, (n) => ctx.secrets.get(n), (n) => n.startsWith('GCS_'));
      return { bucket: text(vars.gcs_bucket_name) ?? globalBucket, account: text(vars.gcs_path_service_account) ?? globalAccount, turnOff: /^true$/i.test(vars.turn_off_message_logging ?? '') };
    };

    const recorder = new ResponseRecorder();
    const ls = ctx.settings.litellm_settings;
    const scrub = (t: string) => ctx.secrets.scrub(t);
    return {
      async preCall(call) {
        recorder.note(call);
      },
      async onSpend(event) {
        const response = recorder.take(event.requestId);
        const targets = loggingTargets(event, { names: CALLBACK_NAMES, settings: ctx.settings });
        for (const target of targets) {
          const { bucket, account, turnOff } = await resolveTarget(target);
          if (!bucket) {
            ctx.log.warn({ source: target.source }, 'gcs_bucket logging: no bucket for this call (GCS_BUCKET_NAME unset and none in the callback_vars); not logged');
            continue;
          }
          let dest: GcsDestination;
          try {
            dest = destinationFor(bucket, account);
          } catch (err) {
            ctx.log.warn({ source: target.source, err: scrub((err as Error).message) }, 'gcs_bucket logging: cannot open the destination; call not logged');
            continue;
          }
          const payload = standardLoggingPayload(event, {
            response,
            turnOffMessageLogging: ls.turn_off_message_logging === true || turnOff,
            redactUserApiKeyInfo: ls.redact_user_api_key_info === true,
            scrub,
          });
          dest.delivery.push(payload);
        }
      },
      async close() {
        await Promise.all([...destinations.values()].map((d) => d.close()));
      },
    };
  },
});
