/**
 * A call a `preCall` plugin answered itself (`CallContext.answer`, e.g. a response cache's hit): no
 * router, no provider. The answer goes out as the provider's would: postCall runs on it (on the
 * whole response, or per chunk for plugins that asked), a stream request gets it replayed as
 * OpenAI-format chunks ending in `[DONE]`, and the headers are the usual ones with a cost of 0.
 * Nothing is written before the hooks ran, so a verdict still answers with its own status.
 */
import type { CallAnswer, CallContext, DeploymentInfo, Endpoint, JsonObject, Usage } from '@sluice/plugin-sdk';
import type { KernelHooks } from '../hooks.js';
import { responseToChunks } from './assemble-stream.js';
import type { CallReply, CallRequest } from './call-exchange.js';
import { readUsage } from './usage.js';

export interface AnswerInput {
  request: CallRequest;
  reply: CallReply;
  call: CallContext;
  answer: CallAnswer;
  endpoint: Endpoint;
  stream: boolean;
  stripUsage: boolean;
  hooks: KernelHooks;
  buffersStreams: boolean;
}

export interface AnswerOutcome {
  usage: Usage;
  deployment: DeploymentInfo | undefined;
}

export async function answerCall(input: AnswerInput): Promise<AnswerOutcome> {
  const { call, answer, hooks, request, reply } = input;
  // postCall plugins read `deployment`; an answer that names none gets the model group's name.
  const deployment = answer.deployment ?? answeredDeployment(String(call.body.model));
  let response = answer.response;
  const streamed = input.stream && input.endpoint !== 'embeddings';
  if (streamed ? input.buffersStreams : hooks.postCall.isUsed()) {
    response = (await hooks.postCall.promise({ call, deployment, streamed, response })).response;
  }
  const usage = readUsage(response.usage);
  const headers: Record<string, string | number> = {
    'x-request-id': request.id,
    'x-litellm-call-id': request.id,
    'x-litellm-response-cost': '0',
  };
  if (answer.deployment) headers['x-litellm-model-id'] = answer.deployment.id;
  let body: string;
  if (streamed) {
    body = await replayedStream(input, response, deployment);
    headers['content-type'] = 'text/event-stream; charset=utf-8';
    headers['cache-control'] = 'no-cache';
    headers['x-accel-buffering'] = 'no';
  } else {
    body = JSON.stringify(response);
    headers['content-type'] = 'application/json; charset=utf-8';
    headers['content-length'] = Buffer.byteLength(body);
  }
  headers['x-litellm-overhead-duration-ms'] = (performance.now() - request.receivedAt).toFixed(3);
  const extra = call.responseHeaders;
  if (extra) for (const name in extra) headers[name] = extra[name]!;
  reply.hijack();
  reply.raw.writeHead(200, headers);
  reply.raw.end(body);
  return { usage, deployment: answer.deployment };
}

/** The response as the SSE body of a stream: one chunk per choice, the usage chunk if asked for, `[DONE]`. */
async function replayedStream(input: AnswerInput, response: JsonObject, deployment: DeploymentInfo): Promise<string> {
  const perChunk = input.hooks.postCallChunk.isUsed();
  let out = '';
  let index = 0;
  for (let chunk of responseToChunks(response, input.endpoint as 'chat' | 'completions')) {
    if (input.stripUsage && Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage != null) continue;
    if (perChunk) {
      const next = (await input.hooks.postCallChunk.promise({ call: input.call, deployment, index: index++, chunk })).chunk;
      if (next === null) continue;
      chunk = next;
    }
    out += `data: ${JSON.stringify(chunk)}\n\n`;
  }
  return out + 'data: [DONE]\n\n';
}

function answeredDeployment(model: string): DeploymentInfo {
  return Object.freeze({ id: '', modelName: model, provider: '', model, apiBase: undefined });
}
