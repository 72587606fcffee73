/**
 * The fake model: chat, completions and embeddings answered in-process, streamed word by word.
 * Like LiteLLM's `fake-openai-endpoint`, it lets the default config and tests run without network.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { toAbortSignal, type AbortSignalLike, type DeploymentConfig, type JsonObject, type ProviderAdapter, type ProviderRequest, type ProviderResponse, type StreamEvent } from '@sluice/plugin-sdk';
import type { ProviderFakeConfig } from './config.generated.js';
import { base64Floats, embeddingOf, fakeId, lastUserText, promptText, streamPieces, usageFor } from './fake-responses.js';

export function createFakeAdapter(deployment: DeploymentConfig, defaults: Required<ProviderFakeConfig>): ProviderAdapter {
  const fixed = typeof deployment.params.mock_response === 'string' ? deployment.params.mock_response : undefined;
  const delayMs = typeof deployment.params.delay_ms === 'number' ? deployment.params.delay_ms : defaults.delay_ms;
  const dimensions = typeof deployment.params.dimensions === 'number' ? deployment.params.dimensions : defaults.dimensions;

  const replyFor = (body: JsonObject) => fixed ?? defaults.reply.replace('{prompt}', lastUserText(body).slice(0, 1000));

  return {
    async call(req: ProviderRequest): Promise<ProviderResponse> {
      if (delayMs > 0) await sleep(delayMs, undefined, { signal: toAbortSignal(req.signal) });
      const body = req.body;
      const model = String(body.model);
      if (req.endpoint === 'embeddings') return { kind: 'json', status: 200, body: embeddings(body, model, dimensions) };
      const reply = replyFor(body);
      const usage = usageFor(promptText(body), reply);
      const created = Math.floor(Date.now() / 1000);
      const chat = req.endpoint === 'chat';
      const id = fakeId(chat ? 'chatcmpl' : 'cmpl', body);
      if (!req.stream) {
        const choice: JsonObject = chat
          ? { index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop', logprobs: null }
          : { index: 0, text: reply, finish_reason: 'stop', logprobs: null };
        return {
          kind: 'json',
          status: 200,
          body: { id, object: chat ? 'chat.completion' : 'text_completion', created, model, system_fingerprint: 'fp_sluice_fake', choices: [choice], usage },
        };
      }
      const includeUsage = (body.stream_options as JsonObject | undefined)?.include_usage === true;
      return { kind: 'stream', status: 200, batches: streamBatches({ id, created, model, chat, reply, usage, includeUsage, delayMs, signal: req.signal }) };
    },
  };
}

/** Without a delay the whole reply is one batch, as a fast upstream's would arrive in one read. */
async function* streamBatches(o: {
  id: string;
  created: number;
  model: string;
  chat: boolean;
  reply: string;
  usage: JsonObject;
  includeUsage: boolean;
  delayMs: number;
  signal: AbortSignalLike;
}): AsyncGenerator<StreamEvent[]> {
  let batch: StreamEvent[] = [];
  const base = { id: o.id, object: o.chat ? 'chat.completion.chunk' : 'text_completion', created: o.created, model: o.model, system_fingerprint: 'fp_sluice_fake' };
  const choice = (piece: string | null, first: boolean, finish: string | null): JsonObject =>
    o.chat
      ? { index: 0, delta: piece === null ? {} : first ? { role: 'assistant', content: piece } : { content: piece }, finish_reason: finish, logprobs: null }
      : { index: 0, text: piece ?? '', finish_reason: finish, logprobs: null };
  const pieces = streamPieces(o.reply);
  for (let i = 0; i < pieces.length; i++) {
    if (o.delayMs > 0 && i > 0) {
      yield batch;
      batch = [];
      await sleep(o.delayMs, undefined, { signal: toAbortSignal(o.signal) });
    }
    const json: JsonObject = { ...base, choices: [choice(pieces[i]!, i === 0, null)] };
    if (o.includeUsage) json.usage = null;
    batch.push({ data: JSON.stringify(json), json });
  }
  const last: JsonObject = { ...base, choices: [choice(null, false, 'stop')] };
  if (o.includeUsage) last.usage = null;
  batch.push({ data: JSON.stringify(last), json: last });
  if (o.includeUsage) {
    const usage: JsonObject = { ...base, choices: [], usage: o.usage };
    batch.push({ data: JSON.stringify(usage), json: usage });
  }
  yield batch;
}

function embeddings(body: JsonObject, model: string, defaultDimensions: number): JsonObject {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  const dimensions = typeof body.dimensions === 'number' && body.dimensions > 0 ? Math.min(body.dimensions, 8192) : defaultDimensions;
  const base64 = body.encoding_format === 'base64';
  let promptTokens = 0;
  const data = inputs.map((input, index) => {
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    promptTokens += Math.max(1, Math.ceil(text.length / 4));
    const vector = embeddingOf(text, dimensions);
    return { object: 'embedding', index, embedding: base64 ? base64Floats(vector) : vector };
  });
  return { object: 'list', data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
}
