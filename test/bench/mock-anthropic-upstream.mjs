// Anthropic Messages API mock upstream for the benchmark (`anthropic-messages.mjs`): a plain
// node:http server in its own process. POST /v1/messages answers a ~500-byte message, or with
// `stream: true` Anthropic's event sequence (message_start, ping, a text block in ten deltas,
// message_delta, message_stop), each event in its own write. GET /stats: {connections, requests}.
// Usage: node test/bench/mock-anthropic-upstream.mjs [port]. Prints `READY <port>` once listening.
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);
const CONTENT = 'Hello! This is a short reply from the benchmark mock upstream, streamed in exactly ten small pieces for the gateway.';
const words = CONTENT.split(' ');
const per = Math.ceil(words.length / 10);
const PIECES = [];
for (let i = 0; i < words.length; i += per) PIECES.push((i ? ' ' : '') + words.slice(i, i + per).join(' '));
const stats = { connections: 0, requests: 0 };
let seq = 0;

const usage = { input_tokens: 21, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 17 };
const event = (data) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`;

function message(model) {
  return JSON.stringify({ id: `msg_bench${(++seq).toString(36).padStart(8, '0')}`, type: 'message', role: 'assistant', model, content: [{ type: 'text', text: CONTENT }], stop_reason: 'end_turn', stop_sequence: null, usage });
}

function stream(res, model) {
  const id = `msg_bench${(++seq).toString(36).padStart(8, '0')}`;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.write(event({ type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } }));
  res.write(event({ type: 'ping' }));
  res.write(event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
  for (const text of PIECES) res.write(event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }));
  res.write(event({ type: 'content_block_stop', index: 0 }));
  res.write(event({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 17 } }));
  res.end(event({ type: 'message_stop' }));
}

function sendJson(res, status, text) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/stats') return sendJson(res, 200, JSON.stringify(stats));
    stats.requests++;
    if (req.method !== 'POST' || req.url !== '/v1/messages') return sendJson(res, 404, JSON.stringify({ type: 'error', error: { type: 'not_found_error', message: `no route ${req.url}` } }));
    if (req.headers['x-api-key'] !== 'sk-ant-upstream') return sendJson(res, 401, JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }));
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return sendJson(res, 400, JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'invalid JSON body' } }));
    }
    const model = typeof body.model === 'string' ? body.model : 'bench-claude';
    if (body.stream === true) stream(res, model);
    else sendJson(res, 200, message(model));
  });
});
server.on('connection', () => stats.connections++);
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.requestTimeout = 0;
server.listen(port, '127.0.0.1', () => process.stdout.write(`READY ${server.address().port}\n`));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
