// The floor of this stack: fastify (default JSON body parsing) + an undici Pool, no auth, no
// validation, no hooks. Streaming and non-streaming both pass through: the upstream body stream
// is handed to reply.send. Usage: node bare-passthrough.mjs <upstreamUrl> [port]
// (or UPSTREAM_URL / BARE_PORT). Prints `READY <port>` on stdout once listening.
import Fastify from 'fastify';
import { Pool } from 'undici';

const upstream = new URL(process.argv[2] ?? process.env.UPSTREAM_URL ?? 'http://127.0.0.1:8001');
const port = Number(process.argv[3] ?? process.env.BARE_PORT ?? 0);
const pool = new Pool(upstream.origin, { connections: 256, keepAliveTimeout: 30_000, pipelining: 1 });
const app = Fastify({ logger: false });

app.post('/v1/chat/completions', async (request, reply) => {
  const stream = request.body?.stream === true;
  const res = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: stream ? 'text/event-stream' : 'application/json', authorization: 'Bearer sk-upstream' },
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
