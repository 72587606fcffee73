/**
 * OpenAI's Files and Batches APIs as LiteLLM's proxy serves them (`/v1/files`, `/v1/batches`,
 * also without `/v1` and under `/{provider}/v1`). A call goes to the model group or provider the
 * request names (destination.ts), through the gateway's `forward` with that deployment's
 * credentials; each file and batch is stored with its owner and where it lives (object-store.ts),
 * so only its owner, the owner's team and proxy admins reach it (ownership.ts). Uploads stream
 * through (multipart-upload.ts); a finished batch is priced once from its output file
 * (batch-handlers.ts, batch-usage.ts).
 */
import type { Knex } from 'knex';
import { definePlugin, type RouteDefinition, type RouteRequest, type RouteResult } from '@sluice/plugin-sdk';
import { BatchHandlers } from './batch-handlers.js';
import type { ApiFilesBatchesConfig } from './config.generated.js';
import { FileHandlers } from './file-handlers.js';
import { MIGRATIONS } from './migrations.js';
import { ObjectStore } from './object-store.js';

const DEFAULT_PROVIDER_ROUTES = ['openai', 'azure', 'vertex_ai', 'bedrock', 'anthropic', 'gemini', 'mistral', 'hosted_vllm'];

type Handler = (req: RouteRequest) => Promise<RouteResult>;

export default definePlugin<ApiFilesBatchesConfig>({
  id: 'api-files-batches',
  version: '1.0.0',
  apiVersion: '^2',
  migrations: MIGRATIONS,
  setup(ctx, config) {
    const store = new ObjectStore(ctx.database.knex as Knex);
    const maxUploadBytes = config.max_upload_bytes ?? 536_870_912;
    const files = new FileHandlers(store, { maxUploadBytes, uploadTimeoutMs: config.upload_timeout_ms ?? 600_000 }, ctx.log);
    const batches = new BatchHandlers(store, { maxOutputBytes: config.max_batch_output_bytes ?? 1_073_741_824, pricingTimeoutMs: config.batch_pricing_timeout_ms ?? 120_000 }, ctx.log);

    // LiteLLM serves each route at /v1/…, /… and /{provider}/v1/…. A fixed /<name>/v1/… path is
    // also registered per provider name: it wins over a provider pass-through's /<name>/*,
    // which a /:provider/v1/… path would not.
    const prefixes: { prefix: string; provider?: string }[] = [
      { prefix: '/v1' },
      { prefix: '' },
      ...(config.provider_routes ?? DEFAULT_PROVIDER_ROUTES).map((provider) => ({ prefix: `/${provider}/v1`, provider })),
      { prefix: '/:provider/v1' },
    ];
    const routes: RouteDefinition[] = [];
    for (const { prefix, provider } of prefixes) {
      const h = (handler: Handler): Handler => (provider === undefined ? handler : (req) => handler({ ...req, signal: req.signal, aborted: req.aborted, params: { ...req.params, provider } }));
      const add = (method: RouteDefinition['method'], path: string, handler: Handler, summary: string, extra: Partial<RouteDefinition> = {}) =>
        routes.push({ method, url: prefix + path, access: 'authenticated', summary, tags: [path.startsWith('/files') ? 'files' : 'batch'], handler: h(handler), ...extra });
      add('POST', '/files', (r) => files.create(r), 'Upload a file (streamed to the provider)', { body: 'stream', maxBodyBytes: maxUploadBytes });
      add('GET', '/files', (r) => files.list(r), "List the caller's files");
      add('GET', '/files/:file_id', (r) => files.retrieve(r), 'Retrieve a file');
      add('GET', '/files/:file_id/content', (r) => files.content(r), "Download a file's content");
      add('DELETE', '/files/:file_id', (r) => files.delete(r), 'Delete a file');
      add('POST', '/batches', (r) => batches.create(r), 'Create a batch');
      add('GET', '/batches', (r) => batches.list(r), "List the caller's batches");
      add('GET', '/batches/:batch_id', (r) => batches.retrieve(r), 'Retrieve a batch (priced once it is finished)');
      add('POST', '/batches/:batch_id/cancel', (r) => batches.cancel(r), 'Cancel a batch');
    }
    return { routes };
  },
});
