// The floor for `/v1/messages`, as bare-passthrough.mjs is for chat: fastify (default JSON body
// parsing) + an undici Pool forwarding to the Anthropic mock with its x-api-key and
// anthropic-version; no auth, validation or hooks; the upstream body stream handed to reply.send.
// Usage: node bare-anthropic-passthrough.mjs <upstreamUrl> [port]. Prints `READY <port>`.
import Fastify from 'fastify';
import { Pool } from 'undici';

const upstream = new URL(process.argv[2] ?? 'http://127.0.0.1:8002');
const port = Number(process.argv[3] ?? 0);
const pool = new Pool(upstream.origin, { connections: 256, keepAliveTimeout: 30_000, pipelining: 1 });
const app = Fastify({ logger: false });

app.post('/v1/messages', async (request, reply) => {
  const stream = request.body?.stream === true;
  const res = await pool.request({
    path: '/v1/messages',
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json', 'x-api-key': 'sk-ant-upstream', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(request.body),
  });
  reply.code(res.statusCode);
  if (res.headers['content-type']) reply.header('content-type', res.headers['content-type']);
  return reply.send(res.body);
});

const address = await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`READY ${new URL(address).port}\n`);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    app.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  });
}
