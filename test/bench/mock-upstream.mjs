// OpenAI-compatible mock upstream for the benchmark: a plain node:http server, run as its own
// process so that its CPU use is not charged to the process under test.
// Usage: node test/bench/mock-upstream.mjs [port]   (or MOCK_PORT=N; 0 = any free port)
// Prints `READY <port>` on stdout once listening. GET /stats answers {connections, requests}: the
// TCP connections accepted and chat requests answered so far (the benchmark reports how many
// upstream connections each scenario opened: a proxy that does not reuse them shows up there).
// Options for the cost curves (curves.mjs), off by default: a model named `…chunks-<N>` streams N
// content chunks instead of ten; a model named `…hold…` streams its first chunk and then holds the
// stream open until the client goes; MOCK_EXTRA_PORTS=K also listens on K more ports (printed as
// `PORTS a,b,…` before READY), separate origins, since a gateway keeps at most 256 sockets per origin.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? process.env.MOCK_PORT ?? 0);
const CONTENT = 'Hello! This is a short reply from the benchmark mock upstream, streamed in exactly ten small pieces for the gateway.';
const PIECES = splitInto(CONTENT, 10);
const USAGE = { prompt_tokens: 21, completion_tokens: 17, total_tokens: 38 };
let seq = 0;
const stats = { connections: 0, requests: 0, sinkRequests: 0, sinkBytes: 0 };

function splitInto(text, n) {
  const words = text.split(' ');
  const per = Math.ceil(words.length / n);
  const out = [];
  for (let i = 0; i < words.length; i += per) out.push((i ? ' ' : '') + words.slice(i, i + per).join(' '));
  return out;
}

function completion(model) {
  const id = `chatcmpl-bench${(++seq).toString(36).padStart(8, '0')}`;
  return JSON.stringify({
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_bench01',
    choices: [{ index: 0, message: { role: 'assistant', content: CONTENT, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: USAGE,
  });
}

/** The content pieces a stream for `model` sends: ten by default, N for a `…chunks-<N>` model. */
function piecesFor(model) {
  const n = Number(/chunks-(\d+)$/.exec(model)?.[1] ?? 0);
  return n > 0 ? Array.from({ length: n }, (_, i) => PIECES[i % PIECES.length]) : PIECES;
}

function streamAnswer(res, model, includeUsage) {
  const id = `chatcmpl-bench${(++seq).toString(36).padStart(8, '0')}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices, extra) => `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_bench01', choices, ...extra })}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const pieces = piecesFor(model);
  for (let i = 0; i < pieces.length; i++) {
    const delta = i === 0 ? { role: 'assistant', content: pieces[i] } : { content: pieces[i] };
    res.write(chunk([{ index: 0, delta, logprobs: null, finish_reason: null }]));
    // A held stream (idle-stream curve) stops after its first chunk; the client ends it.
    if (model.includes('hold')) return;
  }
  res.write(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]));
  if (includeUsage) res.write(chunk([], { usage: USAGE }));
  res.end('data: [DONE]\n\n');
}

function sendJson(res, status, text) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function handle(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/stats') {
      sendJson(res, 200, JSON.stringify(stats));
      return;
    }
    // Logging destinations of the `sluice-observed` target (OTLP, generic_api): taken and counted.
    if (req.method === 'POST' && req.url.startsWith('/sink/')) {
      stats.sinkRequests++;
      for (const c of chunks) stats.sinkBytes += c.length;
      sendJson(res, 200, '{}');
      return;
    }
    stats.requests++;
    if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
      sendJson(res, 404, JSON.stringify({ error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } }));
      return;
    }
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      sendJson(res, 400, JSON.stringify({ error: { message: 'invalid JSON body', type: 'invalid_request_error' } }));
      return;
    }
    const model = typeof body.model === 'string' ? body.model : 'bench-model';
    if (body.stream === true) streamAnswer(res, model, body.stream_options?.include_usage === true);
    else sendJson(res, 200, completion(model));
  });
}

function listen(p) {
  const server = createServer(handle);
  server.on('connection', () => stats.connections++);
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  server.requestTimeout = 0;
  return new Promise((resolve) => server.listen(p, '127.0.0.1', () => resolve(server.address().port)));
}

const extraPorts = await Promise.all(Array.from({ length: Number(process.env.MOCK_EXTRA_PORTS ?? 0) }, () => listen(0)));
if (extraPorts.length > 0) process.stdout.write(`PORTS ${extraPorts.join(',')}\n`);
process.stdout.write(`READY ${await listen(port)}\n`);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
