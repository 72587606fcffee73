/** HTTP answers compared across the gateway's two ways in (the call fast path and fastify). */

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers whose values differ per request or per transport. */
const VARYING = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'x-request-id', 'x-litellm-call-id', 'x-litellm-overhead-duration-ms']);

/** The answer without what differs from one call to the next: per-request headers, ids, timestamps. */
export function comparableAnswer(a: Answer): Answer {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.headers)) if (!VARYING.has(k)) headers[k] = v;
  // Ids and timestamps differ per call: the upstream's chunk ids and `created` are not the gateway's.
  const body = a.body.replace(/"(id|created)":\s*("[^"]*"|\d+)/g, '"$1":_').replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>');
  return { status: a.status, headers, body };
}
