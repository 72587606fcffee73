/**
 * A local stand-in for Google's APIs, strict the way they are: AI Studio (`/v1beta/models/…`),
 * Vertex AI (`/v1/projects/…/publishers/google/models/…`), Claude on Vertex AI
 * (`/v1/projects/…/publishers/anthropic/models/{model}:rawPredict` / `:streamRawPredict`, and
 * `…/models/count-tokens:rawPredict`) and the OAuth token endpoint. It checks
 * what Sluice sends — the API key or a bearer token it issued itself, the path and query, and
 * the body against the fields Google accepts (unknown names are a 400, as upstream) — records
 * every request, and answers with the documented response shapes unless a test scripts a reply.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  /** Path and query, e.g. `/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`. */
  url: string;
  headers: IncomingMessage['headers'];
  /** Parsed JSON, or the form fields of a token request. */
  body: Record<string, unknown>;
}

/**
 * A scripted answer: JSON (`body`), Google SSE events (`events`, each sent as `data: <json>`) or
 * Anthropic SSE events (`anthropicEvents`, each sent as `event: <name>` + `data: <json>`).
 */
export interface Scripted {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  events?: unknown[];
  anthropicEvents?: { event: string; data: unknown }[];
}

export type Route = 'generate' | 'stream' | 'embed' | 'predict' | 'rawPredict' | 'streamRawPredict' | 'countTokens';

export interface JwtSeen {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

export interface FakeGoogle {
  url: string;
  requests: Recorded[];
  /** Answers for the next calls of a route, used in order, then the defaults again. */
  script: Partial<Record<Route, Scripted[]>>;
  /** Token requests whose assertion verified, with their decoded JWT. */
  jwts: JwtSeen[];
  /** Bearer tokens issued, in order. */
  issued: string[];
  /** `expires_in` of the next tokens. */
  tokenLifetimeS: number;
  /** When set, the token endpoint answers this instead of a token. */
  tokenFailure: Scripted | undefined;
  close(): Promise<void>;
}

export interface FakeGoogleOptions {
  apiKey: string;
  /** The service account's public key: token assertions must verify with it. */
  publicKey?: KeyObject | string;
  clientEmail?: string;
}

export const TOKEN_PATH = '/oauth2/token';
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** The GenerateContentRequest fields Google knows; anything else is "Unknown name". */
const REQUEST_FIELDS = new Set(['contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig', 'safetySettings', 'cachedContent']);
const GENERATION_FIELDS = new Set([
  'temperature', 'topP', 'topK', 'maxOutputTokens', 'stopSequences', 'candidateCount', 'presencePenalty', 'frequencyPenalty', 'seed',
  'responseMimeType', 'responseSchema', 'responseLogprobs', 'logprobs', 'thinkingConfig',
]);
const SCHEMA_FIELDS = new Set([
  'type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties', 'required', 'minProperties',
  'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf', 'propertyOrdering', 'default', 'items', 'minimum', 'maximum',
]);
const PART_FIELDS = new Set(['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'thought', 'thoughtSignature']);

/** The version Claude on Vertex requires in the body (it takes no anthropic-version header). */
export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';
/** The Messages fields Claude on Vertex takes; any other is "Extra inputs are not permitted". */
const CLAUDE_FIELDS = new Set([
  'anthropic_version', 'max_tokens', 'messages', 'system', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'tools', 'tool_choice',
  'thinking', 'metadata', 'stream', 'output_config', 'output_format', 'context_management', 'mcp_servers', 'container', 'service_tier',
]);
const CLAUDE_COUNT_FIELDS = new Set(['anthropic_version', 'model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'mcp_servers', 'context_management']);

export async function startFakeGoogle(options: FakeGoogleOptions): Promise<FakeGoogle> {
  const publicKey = options.publicKey === undefined ? undefined : typeof options.publicKey === 'string' ? createPublicKey(options.publicKey) : options.publicKey;
  const validTokens = new Map<string, number>();
  const fake: FakeGoogle = { url: '', requests: [], script: {}, jwts: [], issued: [], tokenLifetimeS: 3600, tokenFailure: undefined, close: async () => undefined };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '';
      let body: Record<string, unknown> = {};
      if (url === TOKEN_PATH) body = Object.fromEntries(new URLSearchParams(text));
      else if (text) body = JSON.parse(text) as Record<string, unknown>;
      fake.requests.push({ method: req.method ?? '', url, headers: req.headers, body });
      if (url === TOKEN_PATH) answerToken(req, res, body);
      else answerApi(req, res, url, body);
    });
  });

  function answerToken(req: IncomingMessage, res: ServerResponse, form: Record<string, unknown>): void {
    if (fake.tokenFailure) return send(res, fake.tokenFailure);
    const refuse = (description: string) => send(res, { status: 400, body: { error: 'invalid_grant', error_description: description } });
    if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return refuse('wrong content type');
    if (form.grant_type !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return refuse('wrong grant_type');
    const [h, c, s] = String(form.assertion ?? '').split('.');
    if (!h || !c || !s || !publicKey) return refuse('malformed assertion');
    if (!verify('RSA-SHA256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s, 'base64url'))) return refuse('Invalid JWT Signature.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    if (header.alg !== 'RS256') return refuse('alg must be RS256');
    if (claims.iss !== options.clientEmail || claims.sub !== options.clientEmail) return refuse('wrong issuer');
    if (claims.aud !== `${fake.url}${TOKEN_PATH}`) return refuse('wrong audience');
    if (claims.scope !== SCOPE) return refuse('wrong scope');
    const iat = Number(claims.iat);
    if (Math.abs(iat - now) > 60 || Number(claims.exp) - iat !== 3600) return refuse('Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
    fake.jwts.push({ header, claims });
    const token = `ya29.fake-token-${fake.issued.length + 1}`;
    fake.issued.push(token);
    validTokens.set(token, Date.now() + fake.tokenLifetimeS * 1000);
    send(res, { body: { access_token: token, expires_in: fake.tokenLifetimeS, token_type: 'Bearer' } });
  }

  function answerApi(req: IncomingMessage, res: ServerResponse, url: string, body: Record<string, unknown>): void {
    const studio = /^\/v1beta\/models\/([\w.-]+):(generateContent|streamGenerateContent\?alt=sse|batchEmbedContents|predict)$/.exec(url);
    const vertex = /^\/v1\/projects\/([\w-]+)\/locations\/([\w-]+)\/publishers\/google\/models\/([\w.-]+):(generateContent|streamGenerateContent\?alt=sse|predict)$/.exec(url);
    const claude = /^\/v1\/projects\/([\w-]+)\/locations\/([\w-]+)\/publishers\/anthropic\/models\/([\w.@-]+):(rawPredict|streamRawPredict)$/.exec(url);
    if (req.method !== 'POST' || (!studio && !vertex && !claude)) return send(res, googleError(404, 'NOT_FOUND', `Requested entity was not found: ${req.method} ${url}`));
    if (studio && req.headers['x-goog-api-key'] !== options.apiKey) {
      return send(res, {
        status: 400,
        body: { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }] } },
      });
    }
    if (vertex || claude) {
      const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      const expires = token === undefined ? undefined : validTokens.get(token);
      if (expires === undefined || expires < Date.now()) {
        return send(res, googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.'));
      }
    }
    if (req.headers['content-type'] !== 'application/json') return send(res, googleError(400, 'INVALID_ARGUMENT', 'content-type must be application/json'));
    if (claude) return answerClaude(res, claude[3]!, claude[4]!, body);
    const method = (studio?.[2] ?? vertex![4]!).replace('?alt=sse', '');
    const route: Route = method === 'generateContent' ? 'generate' : method === 'streamGenerateContent' ? 'stream' : method === 'batchEmbedContents' ? 'embed' : 'predict';
    const problem = route === 'generate' || route === 'stream' ? checkGenerateRequest(body) : undefined;
    if (problem) return send(res, googleError(400, 'INVALID_ARGUMENT', problem));
    const scripted = fake.script[route]?.shift();
    if (scripted) return send(res, scripted);
    const model = studio?.[1] ?? vertex![3]!;
    send(res, defaultAnswer(route, model, body));
  }

  /** Claude's checks on Vertex: the version in the body, the model in the URL (in the body for count-tokens), known fields only. */
  function answerClaude(res: ServerResponse, model: string, method: string, body: Record<string, unknown>): void {
    const counting = model === 'count-tokens';
    const route: Route = counting ? 'countTokens' : method === 'streamRawPredict' ? 'streamRawPredict' : 'rawPredict';
    const problem = checkClaudeRequest(body, counting, method === 'streamRawPredict');
    if (problem) return send(res, anthropicError(400, 'invalid_request_error', problem));
    const scripted = fake.script[route]?.shift();
    if (scripted) return send(res, scripted);
    send(res, defaultClaudeAnswer(route, counting ? String(body.model) : model, body));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

function send(res: ServerResponse, a: Scripted): void {
  if (a.anthropicEvents) {
    res.writeHead(a.status ?? 200, { 'content-type': 'text/event-stream', ...a.headers });
    for (const e of a.anthropicEvents) res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
    res.end();
    return;
  }
  if (a.events) {
    res.writeHead(a.status ?? 200, { 'content-type': 'text/event-stream', ...a.headers });
    // One write per event, so the gateway sees them arrive over several reads.
    for (const e of a.events) res.write(`data: ${JSON.stringify(e)}\r\n\r\n`);
    res.end();
    return;
  }
  res.writeHead(a.status ?? 200, { 'content-type': 'application/json; charset=UTF-8', ...a.headers });
  res.end(JSON.stringify(a.body ?? {}));
}

export function googleError(code: number, status: string, message: string, details?: unknown[]): Scripted {
  return { status: code, body: { error: { code, message, status, ...(details ? { details } : {}) } } };
}

/** Claude's own error shape, which Vertex relays for what the model refuses. */
export function anthropicError(status: number, type: string, message: string): Scripted {
  return { status, body: { type: 'error', error: { type, message } } };
}

function checkClaudeRequest(body: Record<string, unknown>, counting: boolean, streaming: boolean): string | undefined {
  if (body.anthropic_version === undefined) return 'anthropic_version: Field required';
  if (body.anthropic_version !== VERTEX_ANTHROPIC_VERSION) return `anthropic_version: Input should be '${VERTEX_ANTHROPIC_VERSION}'`;
  const allowed = counting ? CLAUDE_COUNT_FIELDS : CLAUDE_FIELDS;
  for (const key of Object.keys(body)) if (!allowed.has(key)) return `${key}: Extra inputs are not permitted`;
  if (counting && typeof body.model !== 'string') return 'model: Field required';
  if (!counting && typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  if (!counting && (body.stream === true) !== streaming) return streaming ? 'streamRawPredict needs stream: true' : 'rawPredict does not stream';
  return undefined;
}

const CLAUDE_USAGE = { input_tokens: 11, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };

function defaultClaudeAnswer(route: Route, model: string, body: Record<string, unknown>): Scripted {
  if (route === 'countTokens') return { body: { input_tokens: 3 + JSON.stringify(body.messages).length % 50 } };
  const message = { id: 'msg_vrtx_default', type: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'Hello from Claude on Vertex.' }], stop_reason: 'end_turn', stop_sequence: null, usage: CLAUDE_USAGE };
  if (route === 'rawPredict') return { body: message };
  return {
    anthropicEvents: [
      { event: 'message_start', data: { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { ...CLAUDE_USAGE, output_tokens: 1 } } } },
      { event: 'ping', data: { type: 'ping' } },
      { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello from' } } },
      { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' Claude on Vertex.' } } },
      { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
      { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: CLAUDE_USAGE.output_tokens } } },
      { event: 'message_stop', data: { type: 'message_stop' } },
    ],
  };
}

/** The checks Google applies that a translation bug would trip: unknown names and empty turns. */
function checkGenerateRequest(body: Record<string, unknown>): string | undefined {
  for (const key of Object.keys(body)) if (!REQUEST_FIELDS.has(key)) return `Invalid JSON payload received. Unknown name "${key}": Cannot find field.`;
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified';
  for (const [i, c] of contents.entries()) {
    if (c.role !== 'user' && c.role !== 'model') return `contents[${i}].role must be user or model`;
    if (!Array.isArray(c.parts) || c.parts.length === 0) return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.`;
    for (const part of c.parts as Record<string, unknown>[]) for (const key of Object.keys(part)) if (!PART_FIELDS.has(key)) return `Unknown name "${key}" at 'contents[${i}].parts'`;
  }
  for (const key of Object.keys((body.generationConfig as object) ?? {})) if (!GENERATION_FIELDS.has(key)) return `Unknown name "${key}" at 'generation_config'`;
  const schemas: unknown[] = [];
  for (const tool of (body.tools as { functionDeclarations?: { parameters?: unknown }[] }[]) ?? []) for (const d of tool.functionDeclarations ?? []) schemas.push(d.parameters);
  schemas.push((body.generationConfig as { responseSchema?: unknown } | undefined)?.responseSchema);
  for (const schema of schemas) {
    const bad = unknownSchemaKey(schema);
    if (bad) return `Invalid JSON payload received. Unknown name "${bad}" at 'tools[0].function_declarations[0].parameters': Cannot find field.`;
  }
  return undefined;
}

function unknownSchemaKey(schema: unknown): string | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  for (const [key, value] of Object.entries(schema)) {
    if (!SCHEMA_FIELDS.has(key)) return key;
    if (key === 'properties') for (const p of Object.values(value as object)) { const bad = unknownSchemaKey(p); if (bad) return bad; }
    if (key === 'items') { const bad = unknownSchemaKey(value); if (bad) return bad; }
    if (key === 'anyOf') for (const p of value as unknown[]) { const bad = unknownSchemaKey(p); if (bad) return bad; }
  }
  return undefined;
}

const USAGE = { promptTokenCount: 9, candidatesTokenCount: 4, totalTokenCount: 13 };

function defaultAnswer(route: Route, model: string, body: Record<string, unknown>): Scripted {
  switch (route) {
    case 'generate':
      return {
        body: {
          candidates: [{ content: { parts: [{ text: 'Hello from fake Gemini.' }], role: 'model' }, finishReason: 'STOP', index: 0, safetyRatings: [] }],
          usageMetadata: USAGE,
          modelVersion: model,
          responseId: 'resp-default',
        },
      };
    case 'stream':
      return {
        events: [
          { candidates: [{ content: { parts: [{ text: 'Hello' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 }, modelVersion: model, responseId: 'resp-stream' },
          { candidates: [{ content: { parts: [{ text: ' from fake' }], role: 'model' }, index: 0 }], modelVersion: model, responseId: 'resp-stream' },
          { candidates: [{ content: { parts: [{ text: ' Gemini.' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: USAGE, modelVersion: model, responseId: 'resp-stream' },
        ],
      };
    case 'embed':
      return { body: { embeddings: (body.requests as unknown[]).map((_, i) => ({ values: [0.25 * (i + 1), -0.5, 0.125] })) } };
    case 'rawPredict':
    case 'streamRawPredict':
    case 'countTokens':
      return defaultClaudeAnswer(route, model, body);
    case 'predict':
      if (model.startsWith('imagen-')) return imagenAnswer(body);
      return {
        body: {
          predictions: (body.instances as unknown[]).map((_, i) => ({ embeddings: { values: [0.5, 0.25 * (i + 1), -1], statistics: { token_count: 3 + i, truncated: false } } })),
          metadata: { billableCharacterCount: 10 },
        },
      };
  }
}

/** Imagen's `:predict`: `instances[{prompt}]`, `parameters{sampleCount, aspectRatio…}` → one PNG per sample. */
const IMAGEN_PARAMETERS = new Set(['sampleCount', 'aspectRatio', 'personGeneration', 'negativePrompt', 'seed', 'addWatermark', 'enhancePrompt', 'safetySetting', 'outputOptions', 'sampleImageSize']);

function imagenAnswer(body: Record<string, unknown>): Scripted {
  const instances = body.instances as { prompt?: unknown }[] | undefined;
  if (!Array.isArray(instances) || instances.length !== 1 || typeof instances[0]?.prompt !== 'string') return googleError(400, 'INVALID_ARGUMENT', 'instances[0].prompt is required');
  const parameters = (body.parameters ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(parameters)) if (!IMAGEN_PARAMETERS.has(key)) return googleError(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name "${key}" at 'parameters'`);
  const count = parameters.sampleCount === undefined ? 4 : Number(parameters.sampleCount);
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).toString('base64');
  return { body: { predictions: Array.from({ length: count }, () => ({ bytesBase64Encoded: png, mimeType: 'image/png' })) } };
}
