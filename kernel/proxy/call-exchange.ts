/**
 * What the call pipeline needs of an HTTP exchange. Fastify's request and reply have this shape,
 * and so do the fast path's own (`kernel/server/call-fast-path.ts`), which answers the LLM call
 * routes without fastify's per-request machinery.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { CallAttempt, Principal } from '@sluice/plugin-sdk';

export interface CallRequest {
  readonly id: string;
  readonly headers: IncomingHttpHeaders;
  readonly ip: string;
  readonly method: string;
  readonly url: string;
  body: unknown;
  /** Set by the auth step. */
  principal: Principal | undefined;
  /** `performance.now()` when the request arrived. */
  receivedAt: number;
  /** The call's tries, once one failed (call-attempts.ts). */
  attempts?: CallAttempt[];
}

export interface CallReply {
  readonly raw: ServerResponse;
  /** The pipeline writes the response itself from here on: the server framework must not. */
  hijack(): unknown;
}
