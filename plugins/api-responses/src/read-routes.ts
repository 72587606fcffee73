/**
 * `GET /v1/responses/{id}`, `DELETE /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`.
 * Only the key that created a response (or an admin of its team, or a proxy admin) finds it;
 * anyone else gets OpenAI's 404, so ids cannot be probed. Translated responses are answered from
 * Sluice's store; native ones are forwarded to their model group with `req.forward`, which signs
 * the request with a deployment's credentials and relays the upstream's answer as it is (the
 * upstream holds the authoritative copy: status of background responses, its own item ids).
 */
import type { DeploymentView, JsonObject, RouteRequest, RouteResult } from '@sluice/plugin-sdk';
import { ResponsesErrors } from './errors.js';
import type { ResponseStore, StoredResponse } from './response-store.js';

const MAX_LIST_LIMIT = 100;

export interface ReadDeps {
  store: ResponseStore;
  /** The deployment with this id, if it is still served. */
  deployment(id: string): DeploymentView | undefined;
}

async function owned(req: RouteRequest, deps: ReadDeps): Promise<StoredResponse> {
  const id = req.params.response_id ?? '';
  const stored = id.length > 0 && id.length <= 512 ? await deps.store.get(id, req.principal!) : undefined;
  if (!stored) throw ResponsesErrors.NOT_FOUND({ id });
  return stored;
}

export async function getResponse(req: RouteRequest, deps: ReadDeps): Promise<RouteResult> {
  const stored = await owned(req, deps);
  if (stored.native) return forward(req, deps, stored, 'GET', '', stored.response && (() => stored.response!));
  if (!stored.response) throw ResponsesErrors.NOT_FOUND({ id: stored.id });
  return { status: 200, body: stored.response };
}

export async function deleteResponse(req: RouteRequest, deps: ReadDeps): Promise<RouteResult> {
  const stored = await owned(req, deps);
  if (stored.native) {
    const answer = await forward(req, deps, stored, 'DELETE', '');
    // Gone upstream (or never there): Sluice forgets it too.
    if ((answer.status ?? 200) < 300 || answer.status === 404) await deps.store.delete(stored.id);
    return answer;
  }
  await deps.store.delete(stored.id);
  return { status: 200, body: { id: stored.id, object: 'response', deleted: true } };
}

export async function listInputItems(req: RouteRequest, deps: ReadDeps): Promise<RouteResult> {
  const stored = await owned(req, deps);
  if (stored.native) return forward(req, deps, stored, 'GET', '/input_items', stored.inputItems && (() => pageOf(stored.inputItems!, req.query)));
  if (!stored.inputItems) throw ResponsesErrors.NOT_FOUND({ id: stored.id });
  return { status: 200, body: pageOf(stored.inputItems, req.query) };
}

/** OpenAI's cursor list: `order` (default `desc`), `after`/`before` an item id, `limit` 1–100 (default 20). */
function pageOf(items: JsonObject[], query: RouteRequest['query']): JsonObject {
  const one = (k: string) => {
    const v = query[k];
    return Array.isArray(v) ? v[0] : v;
  };
  const order = one('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw ResponsesErrors.INVALID_PARAM({ param: 'order', reason: "expected 'asc' or 'desc'." }, { param: 'order' });
  const rawLimit = one('limit');
  const limit = rawLimit === undefined ? 20 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw ResponsesErrors.INVALID_PARAM({ param: 'limit', reason: `expected an integer from 1 to ${MAX_LIST_LIMIT}.` }, { param: 'limit' });
  }
  let list = order === 'desc' ? [...items].reverse() : items;
  const after = one('after');
  if (after !== undefined) list = list.slice(list.findIndex((i) => i.id === after) + 1);
  const before = one('before');
  if (before !== undefined) {
    const at = list.findIndex((i) => i.id === before);
    if (at >= 0) list = list.slice(0, at);
  }
  const data = list.slice(0, limit);
  return {
    object: 'list',
    data,
    first_id: data.length > 0 ? (data[0]!.id ?? null) : null,
    last_id: data.length > 0 ? (data[data.length - 1]!.id ?? null) : null,
    has_more: list.length > data.length,
  };
}

/**
 * Forwards to the response's model group. The router picks among the group's deployments (the SDK
 * cannot pin one): when another deployment than the owner answers 404, Sluice's own copy (the
 * response as relayed, the input as sent) answers a read instead.
 */
async function forward(
  req: RouteRequest,
  deps: ReadDeps,
  stored: StoredResponse,
  method: 'GET' | 'DELETE',
  suffix: string,
  storedCopy?: () => JsonObject,
): Promise<RouteResult> {
  const query = req.url && req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
  // Forwarding goes through the caller's admission, as LiteLLM's GET/DELETE pass its auth checks.
  await req.admit!({ endpoint: 'responses', model: stored.model });
  const result = await req.forward!({
    model: stored.model,
    request: { method, path: nativePath(deps.deployment(stored.deploymentId), stored.id, suffix, query), headers: { accept: 'application/json' } },
  });
  const { status, headers, body } = result.response;
  if (status === 404 && storedCopy && result.deployment.id !== stored.deploymentId) {
    for await (const _ of body); // the other deployment's answer is read to its end and dropped
    return { status: 200, body: storedCopy() };
  }
  return { status, contentType: headers['content-type'] ?? 'application/json', stream: body };
}

/**
 * Where a provider keeps a response: under the API root (`{api_base}/responses/{id}`), except on
 * Azure, which serves the Responses API per resource with an api-version (`/openai/responses/{id}`).
 */
function nativePath(deployment: DeploymentView | undefined, id: string, suffix: string, query: string): string {
  const path = `/responses/${encodeURIComponent(id)}${suffix}`;
  if (deployment?.provider !== 'azure') return query ? `${path}?${query}` : path;
  const version = typeof deployment.params.api_version === 'string' ? deployment.params.api_version : 'preview';
  return `/openai${path}?api-version=${encodeURIComponent(version)}${query ? `&${query}` : ''}`;
}
