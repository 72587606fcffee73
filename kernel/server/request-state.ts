/** What the kernel attaches to each fastify request. */
import type { Principal } from '@sluice/plugin-sdk';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth step for every non-public route. */
    principal: Principal | undefined;
    /** `performance.now()` when the request arrived. */
    receivedAt: number;
  }
}

export {};
