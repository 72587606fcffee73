/**
 * A stand-in for OpenAI's images and moderations API (`/v1/images/generations`, `/edits`,
 * `/variations`, `/v1/moderations`) in its wire format: it checks the bearer key, reads multipart
 * uploads part by part, records what it received and answers as OpenAI does (url or b64_json
 * images; gpt-image answers with token usage; moderation results).
 */
import { readMultipart } from '@sluice/plugin-sdk/node';
import { sendJson, startFakeUpstream, type FakeUpstream, type SeenRequest } from '../../../test/support/fake-upstream.js';
import { solidPng } from './png.js';

export interface SeenPart {
  field: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

export interface SeenCall {
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  /** JSON body, or the multipart text fields. */
  fields: Record<string, unknown>;
  files: SeenPart[];
}

export interface FakeImagesApi {
  /** `http://127.0.0.1:<port>/v1`: an `api_base` or an SDK `baseURL`. */
  url: string;
  calls: SeenCall[];
  upstream: FakeUpstream;
  close(): Promise<void>;
}

const PNG_B64 = solidPng(2).toString('base64');

export async function startFakeImagesApi(apiKey: string): Promise<FakeImagesApi> {
  const calls: SeenCall[] = [];
  const upstream = await startFakeUpstream(async (req, res) => {
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      sendJson(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
      return;
    }
    const call = await seenCall(req);
    calls.push(call);
    if (req.pathname === '/v1/moderations') {
      const inputs = Array.isArray(call.fields.input) ? call.fields.input : [call.fields.input];
      const flagged = (text: unknown) => typeof text === 'string' && /kill/i.test(text);
      sendJson(res, 200, {
        id: `modr-${calls.length}`,
        model: typeof call.fields.model === 'string' ? `${call.fields.model}-2024-09-26` : 'omni-moderation-2024-09-26',
        results: inputs.map((text) => ({
          flagged: flagged(text),
          categories: { violence: flagged(text), hate: false },
          category_scores: { violence: flagged(text) ? 0.91 : 0.0001, hate: 0.0002 },
          category_applied_input_types: { violence: ['text'], hate: ['text'] },
        })),
      });
      return;
    }
    const kind = /^\/v1\/images\/(generations|edits|variations)$/.exec(req.pathname)?.[1];
    if (!kind) {
      sendJson(res, 404, { error: { message: `Unknown request URL: POST ${req.pathname}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } });
      return;
    }
    if (kind !== 'variations' && typeof call.fields.prompt !== 'string') {
      sendJson(res, 400, { error: { message: "Missing required parameter: 'prompt'.", type: 'invalid_request_error', param: 'prompt', code: 'missing_required_parameter' } });
      return;
    }
    if (kind !== 'generations' && !call.files.some((f) => f.field === 'image' || f.field === 'image[]')) {
      sendJson(res, 400, { error: { message: "Missing required parameter: 'image'.", type: 'invalid_request_error', param: 'image', code: 'missing_required_parameter' } });
      return;
    }
    const n = Number(call.fields.n ?? 1);
    const b64 = call.fields.response_format === 'b64_json' || String(call.fields.model).startsWith('gpt-image');
    const data = Array.from({ length: n }, (_, i) => (b64 ? { b64_json: PNG_B64 } : { url: `https://images.example/${kind}/${i}.png`, revised_prompt: call.fields.prompt }));
    const answer: Record<string, unknown> = { created: 1_700_000_000, data };
    if (String(call.fields.model).startsWith('gpt-image')) {
      answer.usage = { input_tokens: 50, output_tokens: 4160, total_tokens: 4210, input_tokens_details: { text_tokens: 40, image_tokens: 10 } };
    }
    sendJson(res, 200, answer);
  });
  return { url: `${upstream.url}/v1`, calls, upstream, close: () => upstream.close() };
}

async function seenCall(req: SeenRequest): Promise<SeenCall> {
  const contentType = req.headers['content-type'];
  const base = { path: req.pathname, authorization: req.headers.authorization, contentType };
  if (!contentType?.startsWith('multipart/form-data')) return { ...base, fields: (req.body ?? {}) as Record<string, unknown>, files: [] };
  const body = (async function* () {
    yield new Uint8Array(req.raw);
  })();
  const form = await readMultipart(body, contentType, { maxBytes: 64 * 1024 * 1024, maxFileBytes: 64 * 1024 * 1024, maxFiles: 64, maxFields: 64 });
  return {
    ...base,
    fields: form.fields,
    files: form.files.map((f) => ({ field: f.field, filename: f.filename, contentType: f.contentType, bytes: Buffer.from(f.data) })),
  };
}
