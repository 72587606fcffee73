/** Liveness and readiness, without auth, as LiteLLM serves them. */
import type { FastifyInstance } from 'fastify';
import type { Counters } from '@sluice/plugin-sdk';
import type { Storage } from '../storage/storage.js';

export interface HealthDeps {
  storage: Storage;
  counters: Counters;
  version: string;
  isShuttingDown(): boolean;
}

export function registerHealthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  const alive = async () => "I'm alive!";
  app.get('/health/liveliness', { config: { access: 'public' } }, alive);
  app.get('/health/liveness', { config: { access: 'public' } }, alive);
  app.get('/health/readiness', { config: { access: 'public' } }, async (_request, reply) => {
    const [db, redis] = await Promise.all([deps.storage.ping(), deps.counters.ping()]);
    const ready = db && redis && !deps.isShuttingDown();
    reply.code(ready ? 200 : 503);
    return {
      status: ready ? 'healthy' : 'unhealthy',
      db: db ? 'connected' : 'disconnected',
      db_type: deps.storage.dialect,
      cache: deps.counters.kind === 'redis' ? 'redis' : null,
      redis: deps.counters.kind === 'redis' ? (redis ? 'connected' : 'disconnected') : 'not configured',
      shutting_down: deps.isShuttingDown(),
      sluice_version: deps.version,
      litellm_version: deps.version,
    };
  });
}
