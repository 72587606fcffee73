/** The OpenAI-compatible surface, with and without the `/v1` prefix. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Endpoint, Principal, ModelListing } from '@sluice/plugin-sdk';
import { KernelErrors } from '../errors.js';
import { runCall, type PipelineDeps } from './call-pipeline.js';

const CALL_ROUTES: [string, Endpoint][] = [
  ['/chat/completions', 'chat'],
  ['/completions', 'completions'],
  ['/embeddings', 'embeddings'],
  ['/engines/:model/chat/completions', 'chat'],
  ['/engines/:model/completions', 'completions'],
  ['/openai/deployments/:model/chat/completions', 'chat'],
  ['/openai/deployments/:model/completions', 'completions'],
  ['/openai/deployments/:model/embeddings', 'embeddings'],
  // Rerank, on LiteLLM's three paths (/rerank, /v1/rerank, /v2/rerank).
  ['/rerank', 'rerank'],
  ['/v2/rerank', 'rerank'],
];

/** Paths also served under `/v1`: all but the deployment-style paths and ones that carry their own version. */
const takesV1 = (path: string): boolean => !path.startsWith('/openai/') && !path.startsWith('/v2/');

/** The call routes without path parameters, by exact path: the ones the fast path answers. */
export const STATIC_CALL_ROUTES: ReadonlyMap<string, Endpoint> = new Map(
  CALL_ROUTES.filter(([path]) => !path.includes(':')).flatMap(([path, endpoint]): [string, Endpoint][] =>
    takesV1(path) ? [[path, endpoint], [`/v1${path}`, endpoint]] : [[path, endpoint]],
  ),
);

export function registerOpenAIRoutes(app: FastifyInstance, deps: PipelineDeps): void {
  for (const [path, endpoint] of CALL_ROUTES) {
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      // Deployment-style paths (/openai/deployments/:model/…) carry the model in the URL.
      const params = request.params as { model?: string };
      if (params.model && request.body && typeof request.body === 'object' && !(request.body as { model?: unknown }).model) {
        (request.body as { model?: string }).model = params.model;
      }
      await runCall(deps, endpoint, request, reply);
      return reply;
    };
    const config = { access: 'authenticated', writesOwnHeaders: true };
    app.post(path, { config }, handler);
    if (takesV1(path)) app.post(`/v1${path}`, { config }, handler);
  }

  const listModels = async (request: { principal: Principal | undefined; query: unknown }) => ({
    data: visibleModels(deps, request.principal, request.query as Readonly<Record<string, unknown>>),
    object: 'list',
  });
  app.get('/models', { config: { access: 'authenticated' } }, listModels);
  app.get('/v1/models', { config: { access: 'authenticated' } }, listModels);
  const oneModel = async (request: { principal: Principal | undefined; params: unknown }) => {
    const id = (request.params as { model: string }).model;
    const found = visibleModels(deps, request.principal).find((m) => m.id === id);
    if (!found) throw KernelErrors.MODEL_NOT_FOUND({ route: '/models', model: id }, { param: 'model' });
    return found;
  };
  app.get('/models/:model', { config: { access: 'authenticated' } }, oneModel);
  app.get('/v1/models/:model', { config: { access: 'authenticated' } }, oneModel);
}

function visibleModels(deps: PipelineDeps, principal: Principal | undefined, query?: Readonly<Record<string, unknown>>): readonly ModelListing[] {
  const all = deps.registry.list();
  return deps.modelAccess && principal ? deps.modelAccess.visibleModels(principal, all, query) : all;
}
