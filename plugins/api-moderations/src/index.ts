/**
 * OpenAI's moderations API as LiteLLM's proxy serves it (`proxy_server.py` `moderations`):
 * `POST /v1/moderations` and `/moderations`. With a model, routed to the group's deployments that
 * serve `moderation`; without one (LiteLLM: "no need to specify `model`"), sent to OpenAI's own
 * `/v1/moderations` with no model, as `litellm.amoderation(model=None)` does, using the first
 * OpenAI deployment's credentials (or `OPENAI_API_KEY`). Governed like chat; spend `amoderation`.
 */
import { definePlugin, type JsonObject, type RouteDefinition, type RouteRequest, type RouteResult } from '@sluice/plugin-sdk';
import type { ApiModerationsConfig } from './config.generated.js';
import { ModerationErrors } from './errors.js';
import { moderationRequest, upstreamFields } from './moderation-request.js';
import { readForwardedAnswer } from './forwarded-answer.js';

const DEFAULT_MAX_INPUTS = 2048;
const NO_USAGE = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

export default definePlugin<ApiModerationsConfig>({
  id: 'api-moderations',
  version: '1.0.0',
  apiVersion: '^2',
  setup(_ctx, config) {
    const maxInputs = config.max_inputs ?? DEFAULT_MAX_INPUTS;
    const handler = async (req: RouteRequest): Promise<RouteResult> => {
      const startedAt = Date.now();
      const request = moderationRequest(req.body, config.moderation_model, maxInputs);
      const admitted = await req.admit!({ endpoint: 'moderation', ...(request.model !== undefined && { model: request.model }), body: { ...request.body, ...(request.model !== undefined && { model: request.model }) } });
      const fields = upstreamFields(admitted.body);
      const model = request.model === undefined ? undefined : typeof admitted.body.model === 'string' && admitted.body.model !== '' ? admitted.body.model : request.model;
      if (model === undefined) return serveWithoutModel(req, admitted.headers, fields, startedAt);
      const result = await req.callModel!({ model, endpoints: ['moderation'], stream: false, body: () => ({ ...fields }) });
      const response = result.response;
      if (response.kind !== 'json') throw ModerationErrors.UNEXPECTED_ANSWER();
      const cost = result.price(NO_USAGE);
      req.recordSpend!({ endpoint: 'moderation', model, status: 'success', httpStatus: response.status, cost, usage: { ...NO_USAGE }, deployment: result.deployment, startedAt, stream: false, ...responseId(response.body) });
      const headers = { ...admitted.headers, 'x-litellm-call-id': req.requestId, 'x-litellm-model-id': result.deployment.id, 'x-litellm-response-cost': String(cost) };
      return { status: response.status, headers, body: response.body };
    };
    const routes: RouteDefinition[] = ['/v1/moderations', '/moderations'].map((url) => ({
      method: 'POST',
      url,
      access: 'authenticated',
      summary: 'Classify whether text or images are potentially harmful',
      tags: ['moderations'],
      handler,
    }));
    return { routes };
  },
});

/** No model anywhere: OpenAI's endpoint with no `model` (its default, omni-moderation-latest), as LiteLLM. */
async function serveWithoutModel(req: RouteRequest, admittedHeaders: Readonly<Record<string, string>>, fields: JsonObject, startedAt: number): Promise<RouteResult> {
  const forwarded = await req.forward!({
    provider: 'openai',
    request: { method: 'POST', path: '/v1/moderations', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: Buffer.from(JSON.stringify(fields)) },
  });
  const answer = await readForwardedAnswer(forwarded.response);
  const ok = answer.status < 400;
  const model = ok && typeof answer.body.model === 'string' ? answer.body.model : 'omni-moderation-latest';
  const cost = ok ? forwarded.price({ ...NO_USAGE }, { endpoint: 'moderation', model }) : 0;
  req.recordSpend!({
    endpoint: 'moderation',
    model,
    status: ok ? 'success' : 'failure',
    httpStatus: answer.status,
    cost,
    usage: { ...NO_USAGE },
    deployment: forwarded.deployment,
    startedAt,
    stream: false,
    ...(ok && responseId(answer.body)),
  });
  const headers = { ...admittedHeaders, 'x-litellm-call-id': req.requestId, 'x-litellm-model-id': forwarded.deployment.id, 'x-litellm-response-cost': String(cost) };
  return { status: answer.status, headers, body: answer.body };
}

function responseId(body: JsonObject): { responseId?: string } {
  return typeof body.id === 'string' ? { responseId: body.id } : {};
}
