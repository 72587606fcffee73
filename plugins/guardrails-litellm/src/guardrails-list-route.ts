/**
 * GET /guardrails/list, LiteLLM's shape: `{"guardrails": [{guardrail_name, litellm_params,
 * guardrail_info}]}`, for any authenticated caller. Config entries come as written (literal
 * secrets masked); guardrail plugins enabled by a callback name or `plugins:` are listed too, as
 * always-on entries. `guardrail_info` adds what the config cannot say: the implementing plugin,
 * the modes it supports and how `post_call` sees streams (`chunk`: each chunk as it passes,
 * `buffer`: the assembled response before any of it is released).
 */
import type { RouteDefinition } from '@sluice/plugin-sdk';
import type { ListedGuardrail } from './guardrail-entry.js';

/** `rows` is read on each call: the entries are known only once every plugin is loaded. */
export function guardrailsListRoute(rows: () => readonly ListedGuardrail[]): RouteDefinition {
  return {
    method: 'GET',
    url: '/guardrails/list',
    access: 'authenticated',
    summary: 'List the guardrails configured on the gateway',
    tags: ['Guardrails'],
    handler: async () => ({ body: { guardrails: rows() } }),
  };
}
