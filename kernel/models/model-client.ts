/**
 * Lets a plugin call a model group from model_list itself (LlamaGuard moderation, LLM judges):
 * straight to a deployment's provider adapter, without hooks (a guardrail calling a model must
 * not run the guardrails again), trying each deployment of the group once.
 */
import { randomUUID } from 'node:crypto';
import { UpstreamError, type JsonObject } from '@sluice/plugin-sdk';
import type { ModelRegistry } from './model-registry.js';

export async function completeWith(registry: ModelRegistry, model: string, body: JsonObject, opts: { timeoutMs?: number } = {}): Promise<JsonObject> {
  const routes = registry.routable(model, 'chat');
  if (!routes || routes.length === 0) throw new Error(`model ${JSON.stringify(model)} is not a chat model group of model_list`);
  let lastError: unknown;
  for (const route of routes) {
    const deployment = registry.byId(route.id)!;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('timed out')), opts.timeoutMs ?? deployment.config.timeoutMs);
    try {
      const result = await deployment.adapter.call({
        requestId: randomUUID(),
        endpoint: 'chat',
        body: { ...body, model: route.model, stream: false },
        stream: false,
        signal: controller.signal,
      });
      if (result.kind !== 'json') throw new UpstreamError(`model ${model} answered with a stream`, { status: 502 });
      return result.body;
    } catch (err) {
      lastError = err;
    } finally {
      clearTimeout(timer);
    }
  }
  throw lastError;
}
