/**
 * OpenAI's Responses API (`/v1/responses`), as LiteLLM's proxy serves it: native deployments get
 * the request as sent and their answer is relayed; chat deployments get it translated
 * (items-to-messages.ts, request-to-chat.ts) and their answer becomes a response object or its
 * typed stream events (response-object.ts, chat-stream-to-events.ts). Responses are kept in the
 * gateway's database for their owner (response-store.ts).
 */
import type { Knex } from 'knex';
import { definePlugin, periodicPurge, type RouteDefinition } from '@sluice/plugin-sdk';
import type { ApiResponsesConfig } from './config.generated.js';
import { createResponse, type CreateDeps } from './create-response.js';
import { MIGRATIONS } from './migrations.js';
import { deleteResponse, getResponse, listInputItems, type ReadDeps } from './read-routes.js';
import { ResponseStore } from './response-store.js';

export default definePlugin<ApiResponsesConfig>({
  id: 'api-responses',
  version: '1.0.0',
  apiVersion: '^2',
  migrations: MIGRATIONS,
  setup(ctx, config) {
    const now = () => ctx.now();
    const store = new ResponseStore(
      ctx.database.knex as Knex,
      { maxBytes: config.max_stored_bytes ?? 1_048_576, retentionMs: (config.retention_seconds ?? 2_592_000) * 1000 },
      now,
    );
    const deps: CreateDeps = {
      store,
      log: ctx.log,
      now,
      maxInputItems: config.max_input_items ?? 2048,
      maxConversationDepth: config.max_conversation_depth ?? 100,
      maxConversationChars: config.max_conversation_chars ?? 16_777_216,
    };
    const purge = periodicPurge({
      name: 'api-responses',
      intervalMs: (config.purge_interval_seconds ?? 3600) * 1000,
      counters: ctx.counters,
      log: ctx.log,
      purge: () => store.purgeExpired(),
    });
    const readDeps: ReadDeps = { store, deployment: (id) => ctx.models.deployments().find((d) => d.id === id) };
    const routes: RouteDefinition[] = [];
    // LiteLLM serves the API at all three prefixes (`/openai/v1` for clients configured with Azure-style bases).
    for (const prefix of ['/v1', '', '/openai/v1']) {
      routes.push(
        {
          method: 'POST',
          url: `${prefix}/responses`,
          access: 'authenticated',
          ...(config.max_request_bytes !== undefined && { maxBodyBytes: config.max_request_bytes }),
          summary: 'Create a model response (OpenAI Responses API)',
          tags: ['responses'],
          handler: (req) => createResponse(req, deps),
        },
        { method: 'GET', url: `${prefix}/responses/:response_id`, access: 'authenticated', tags: ['responses'], handler: (req) => getResponse(req, readDeps) },
        { method: 'DELETE', url: `${prefix}/responses/:response_id`, access: 'authenticated', tags: ['responses'], handler: (req) => deleteResponse(req, readDeps) },
        { method: 'GET', url: `${prefix}/responses/:response_id/input_items`, access: 'authenticated', tags: ['responses'], handler: (req) => listInputItems(req, readDeps) },
      );
    }
    return { routes, close: () => purge.stop() };
  },
});
