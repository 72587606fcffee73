/**
 * Route rules (LiteLLM's `public_routes`, `admin_only_routes`, `allowed_routes` and a key's
 * `allowed_routes`) matched against the path the gateway's router really serves.
 *
 * The router is fastify 5's find-my-way with `ignoreTrailingSlash` and `ignoreDuplicateSlashes`,
 * case-sensitive, `;` not a delimiter. For a request target it: takes the path of an absolute-form
 * target (`http://host/p`), cuts at the first `?` or `#`, percent-decodes everything but the
 * reserved characters (`%2F`, `%3F`, `%25`… stay encoded), collapses `//`, drops one trailing `/`
 * and matches case-sensitively; it does NOT resolve `.`/`..` segments (a `/x/*` route serves
 * `/x/../key/generate` with `*` = `../key/generate`). The call fast paths (call-fast-path.ts,
 * plugin-route-fast-path.ts) take only exact spellings of their routes and leave the rest to it.
 *
 * `normalizeRoutePath` returns that path, or `undefined` for spellings no rule can be sure about:
 * a malformed %-escape (the router answers 400), an encoded `/` or NUL, a `.` or `..` segment
 * (the router serves it literally while a front proxy or an upstream may resolve it: two different
 * routes), a non-HTTP absolute form. Rules treat `undefined` as "deny where a rule applies".
 */
import { definePluginErrors } from './errors.js';

export const RouteRuleErrors = definePluginErrors('ROUTE_RULES', {
  /** A path no route rule can be checked against (see normalizeRoutePath), refused where rules apply. */
  UNCHECKABLE_PATH: {
    status: 400,
    type: 'invalid_request_error',
    param: 'None',
    message: "The request path {path} cannot be checked against the gateway's route rules: it has an encoded '/' or NUL, a '.' or '..' segment or a malformed %-escape.",
  },
});

const HEX = /^[0-9a-fA-F]{2}$/;

/** The path find-my-way routes for `target` (a request target or AuthInput.path), or undefined (see above). */
export function normalizeRoutePath(target: string): string | undefined {
  let path = target;
  if (path.charCodeAt(0) !== 47 /* / */) {
    const fromAbsolute = absoluteFormPath(path);
    if (fromAbsolute === undefined) return undefined;
    path = fromAbsolute;
  }
  // Cut the query and fragment as the router does (from index 1: the path starts with '/').
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 63 /* ? */ || c === 35 /* # */) {
      path = path.slice(0, i);
      break;
    }
  }
  if (path.includes('%')) {
    const decoded = decodeLikeRouter(path);
    if (decoded === undefined) return undefined;
    path = decoded;
  }
  if (path.includes('\0')) return undefined;
  if (path.includes('//')) path = path.replace(/\/\/+/g, '/');
  if (path.length > 1 && path.charCodeAt(path.length - 1) === 47) path = path.slice(0, -1);
  if (path.includes('/.') && hasDotSegment(path)) return undefined;
  return path;
}

/** The path of an `http(s)://host[:port]/path` target (find-my-way's getPathFromAbsoluteUrl), or undefined. */
function absoluteFormPath(url: string): string | undefined {
  const schemeEnd = url.indexOf('://');
  if (schemeEnd === -1) return undefined;
  const scheme = url.slice(0, schemeEnd).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  const authorityStart = schemeEnd + 3;
  // A fragment is not valid in a request target: the router refuses it, so do we.
  if (url.indexOf('#', authorityStart) !== -1) return undefined;
  const slash = url.indexOf('/', authorityStart);
  const query = url.indexOf('?', authorityStart);
  const authorityEnd = [slash, query, url.length].filter((i) => i !== -1).reduce((a, b) => Math.min(a, b));
  if (authorityEnd === authorityStart) return undefined;
  if (authorityEnd === url.length) return '/';
  if (authorityEnd === query) return '/';
  return url.slice(slash);
}

/**
 * find-my-way's decoding: every escape but the reserved ones decoded, `%25` kept as `%25`. An
 * encoded `/` (a param value for the router, a separator for many upstreams) or NUL is refused,
 * as is any malformed escape or invalid UTF-8 (the router answers 400 for those).
 */
function decodeLikeRouter(path: string): string | undefined {
  let out = '';
  let last = 0;
  for (let i = path.indexOf('%'); i !== -1; i = path.indexOf('%', i + 3)) {
    const hex = path.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return undefined;
    const code = parseInt(hex, 16);
    if (code === 0x2f || code === 0) return undefined;
    if (code === 0x25) {
      out += `${path.slice(last, i)}%2525`;
      last = i + 3;
    }
  }
  out += path.slice(last);
  try {
    return decodeURI(out);
  } catch {
    return undefined;
  }
}

function hasDotSegment(path: string): boolean {
  for (const segment of path.split('/')) if (segment === '.' || segment === '..') return true;
  return false;
}

/**
 * LiteLLM's route groups (`LiteLLMRoutes` in litellm/proxy/_types.py), by member name. `{name}`
 * is one path segment, `{name:path}` anything up to a `:`, a trailing `*` a prefix.
 */
const OPENAI_ROUTES = [
  '/engines/{model}/chat/completions', '/openai/deployments/{model}/chat/completions', '/chat/completions', '/v1/chat/completions',
  '/cursor/chat/completions', '/cursor/models', '/cursor/v1/models',
  '/engines/{model}/completions', '/openai/deployments/{model}/completions', '/completions', '/v1/completions',
  '/engines/{model}/embeddings', '/openai/deployments/{model}/embeddings', '/embeddings', '/v1/embeddings',
  '/images/generations', '/v1/images/generations', '/images/edits', '/v1/images/edits',
  '/videos', '/v1/videos', '/videos/{video_id}', '/v1/videos/{video_id}', '/videos/{video_id}/content', '/v1/videos/{video_id}/content',
  '/videos/{video_id}/remix', '/v1/videos/{video_id}/remix',
  '/audio/transcriptions', '/v1/audio/transcriptions', '/audio/speech', '/v1/audio/speech',
  '/moderations', '/v1/moderations',
  '/v1/batches', '/batches', '/v1/batches/{batch_id}', '/batches/{batch_id}', '/v1/batches/{batch_id}/cancel', '/batches/{batch_id}/cancel',
  '/v1/files', '/files', '/v1/files/{file_id}', '/files/{file_id}', '/v1/files/{file_id}/content', '/files/{file_id}/content',
  '/fine_tuning/jobs', '/v1/fine_tuning/jobs', '/fine_tuning/jobs/{fine_tuning_job_id}/cancel', '/v1/fine_tuning/jobs/{fine_tuning_job_id}/cancel',
  '/assistants', '/v1/assistants', '/v1/assistants/{assistant_id}', '/assistants/{assistant_id}',
  '/threads', '/v1/threads', '/threads/{thread_id}', '/v1/threads/{thread_id}', '/threads/{thread_id}/messages', '/v1/threads/{thread_id}/messages',
  '/threads/{thread_id}/runs', '/v1/threads/{thread_id}/runs',
  '/models', '/v1/models',
  '/utils/token_counter', '/utils/transform_request',
  '/rerank', '/v1/rerank', '/v2/rerank',
  '/realtime', '/v1/realtime', '/openai/v1/realtime',
  '/realtime/client_secrets', '/v1/realtime/client_secrets', '/openai/v1/realtime/client_secrets',
  '/realtime/calls', '/v1/realtime/calls', '/openai/v1/realtime/calls',
  '/realtime/transcription_sessions', '/v1/realtime/transcription_sessions', '/openai/v1/realtime/transcription_sessions',
  '/responses', '/v1/responses', '/openai/v1/responses', '/responses/{response_id}', '/v1/responses/{response_id}', '/openai/v1/responses/{response_id}',
  '/responses/{response_id}/input_items', '/v1/responses/{response_id}/input_items', '/openai/v1/responses/{response_id}/input_items',
  '/responses/{response_id}/cancel', '/v1/responses/{response_id}/cancel', '/openai/v1/responses/{response_id}/cancel',
  '/vector_stores', '/v1/vector_stores', '/vector_stores/{vector_store_id}', '/v1/vector_stores/{vector_store_id}',
  '/vector_stores/{vector_store_id}/search', '/v1/vector_stores/{vector_store_id}/search',
  '/vector_stores/{vector_store_id}/files', '/v1/vector_stores/{vector_store_id}/files',
  '/vector_stores/{vector_store_id}/files/{file_id}', '/v1/vector_stores/{vector_store_id}/files/{file_id}',
  '/vector_stores/{vector_store_id}/files/{file_id}/content', '/v1/vector_stores/{vector_store_id}/files/{file_id}/content',
  '/vector_store/list', '/v1/vector_store/list',
  '/search', '/v1/search', '/search/{search_tool_name}', '/v1/search/{search_tool_name}',
  '/ocr', '/v1/ocr',
  '/containers', '/v1/containers', '/containers/*', '/v1/containers/*',
];
const MAPPED_PASS_THROUGH_ROUTES = [
  '/bedrock', '/comprehendmedical', '/vertex-ai', '/vertex_ai', '/cohere', '/cursor', '/gemini', '/anthropic', '/langfuse', '/azure',
  '/azure_ai', '/openai', '/openai_passthrough', '/assemblyai', '/eu.assemblyai', '/vllm', '/mistral', '/milvus', '/watsonx',
];
const PASSTHROUGH_ROUTES_WILDCARD = MAPPED_PASS_THROUGH_ROUTES.map((r) => `${r}/*`);
const LITELLM_NATIVE_ROUTES = ['/rag/ingest', '/v1/rag/ingest', '/rag/query', '/v1/rag/query'];
const ANTHROPIC_ROUTES = ['/v1/messages', '/v1/messages/count_tokens', '/v1/skills', '/v1/skills/{skill_id}'];
const MCP_INFERENCE_ROUTES = ['/mcp', '/mcp/', '/mcp/{subpath}', '/mcp/tools', '/mcp/tools/list', '/mcp/tools/call', '/mcp-rest/tools/list', '/mcp-rest/tools/call', '/v1/mcp/tools'];
const MCP_MANAGEMENT_ROUTES = ['/v1/mcp/server', '/v1/mcp/server/{path:path}'];
const AGENT_INFERENCE_ROUTES = ['/agents', '/a2a/{agent_id}', '/a2a/{agent_id}/message/send', '/a2a/{agent_id}/message/stream', '/a2a/{agent_id}/.well-known/agent-card.json'];
const AGENT_MANAGEMENT_ROUTES = ['/v1/agents', '/v1/agents/{agent_id}', '/v1/agents/make_public', '/v1/agents/{agent_id}/make_public'];
const GOOGLE_ROUTES = [
  '/v1beta/models/{model_name:path}:countTokens', '/v1beta/models/{model_name:path}:generateContent', '/v1beta/models/{model_name:path}:streamGenerateContent',
  '/models/{model_name:path}:countTokens', '/models/{model_name:path}:generateContent', '/models/{model_name:path}:streamGenerateContent',
  '/interactions', '/v1beta/interactions', '/interactions/{interaction_id}', '/v1beta/interactions/{interaction_id}',
  '/interactions/{interaction_id}/cancel', '/v1beta/interactions/{interaction_id}/cancel',
  '/v1beta/agents', '/v1beta/agents/{name}', '/v1beta/agents/{name}/versions',
];
const APPLY_GUARDRAIL_ROUTES = ['/guardrails/apply_guardrail'];
const MODEL_INFO_ROUTES = ['/model/info', '/v1/model/info'];
const INFO_ROUTES = [
  '/key/info', '/key/health', '/team/info', '/team/list', '/v2/team/list', '/organization/list', '/team/available', '/team/metadata_schema',
  '/user/info', '/v2/user/info', '/model/info', '/v1/model/info', '/v2/model/info', '/v2/key/info', '/model_group/info', '/health',
  '/health/services', '/key/list', '/user/filter/ui', '/models', '/v1/models', '/sso/get/ui_settings', '/get/user_banner',
];
const KEY_MANAGEMENT_ROUTES = [
  '/key/generate', '/key/update', '/key/delete', '/key/info', '/key/regenerate', '/key/service-account/generate', '/key/{key_id}/regenerate',
  '/key/list', '/key/block', '/key/unblock', '/key/bulk_update', '/team/key/bulk_update', '/team/daily/activity', '/team/daily/activity/aggregated',
  '/spend/logs', '/spend/logs/v2', '/key/{key_id}/reset_spend', '/key/aliases', '/key/access_group_assignment',
];
const MANAGEMENT_ROUTES = [
  '/user/new', '/user/update', '/user/bulk_update', '/user/delete', '/user/info', '/user/list', '/user/daily/activity', '/user/daily/activity/aggregated',
  '/team/new', '/team/update', '/team/{team_id}', '/team/delete', '/team/list', '/v2/team/list', '/team/info', '/team/block', '/team/unblock',
  '/team/available', '/team/metadata_schema', '/team/permissions_list', '/team/permissions_update', '/team/permissions_bulk_update',
  '/team/daily/activity', '/team/daily/activity/aggregated', '/gateway/daily/activity',
  '/model/new', '/model/update', '/model/delete', '/model/info',
  '/jwt/key/mapping/new', '/jwt/key/mapping/update', '/jwt/key/mapping/delete', '/jwt/key/mapping/list', '/jwt/key/mapping/info',
  ...KEY_MANAGEMENT_ROUTES, ...MCP_MANAGEMENT_ROUTES, ...AGENT_MANAGEMENT_ROUTES,
];
const SPEND_TRACKING_ROUTES = [
  '/spend/keys', '/spend/users', '/spend/tags', '/spend/calculate', '/spend/logs', '/spend/logs/v2', '/spend/logs/ui', '/spend/logs/session/ui',
  '/key/spend/report', '/user/spend/report', '/team/spend/report', '/organization/spend/report',
  '/management/v1/spend_logs/end_users', '/management/v1/spend_logs/users', '/cost/estimate',
];
const GLOBAL_SPEND_TRACKING_ROUTES = [
  '/global/spend/logs', '/global/spend', '/global/spend/keys', '/global/spend/teams', '/global/spend/end_users', '/global/spend/models',
  '/global/predict/spend/logs', '/global/spend/report', '/global/spend/provider', '/global/spend/tags', '/global/spend/all_tag_names',
];
const PUBLIC_ROUTES = [
  '/routes', '/', '/health/liveliness', '/health/liveness', '/test', '/config/yaml', '/litellm/.well-known/litellm-ui-config',
  '/.well-known/litellm-ui-config', '/public/model_hub', '/public/model_hub/info', '/public/agent_hub', '/public/mcp_hub', '/public/skill_hub',
  '/public/litellm_model_cost_map',
];
const COMPLIANCE_CHECK_ROUTES = ['/compliance/eu-ai-act', '/compliance/gdpr'];
const SELF_MANAGED_ROUTES = [
  '/team/member_add', '/team/member_delete', '/team/member_update', '/team/{team_id}/member/{user_id}/reset_spend', '/team/permissions_list',
  '/team/permissions_update', '/team/daily/activity', '/team/daily/activity/aggregated', '/team/{team_id}/members/me', '/model/new', '/model/update',
  '/model/delete', '/user/daily/activity', '/user/daily/activity/aggregated', '/organization/daily/activity', '/user/available_roles', '/user/list',
  '/model/{model_id}/update', '/prompt/list', '/prompt/info', '/project/list', '/project/info', '/health/test_connection', '/invitation/new',
  '/invitation/delete', '/guardrails/register', '/guardrails/submissions', '/guardrails/submissions/{guardrail_id}', '/auto_router/test_routing',
  '/auto_router/validate_complexity_router_config', ...AGENT_MANAGEMENT_ROUTES,
];
const ORG_ADMIN_ONLY_ROUTES = ['/organization/info', '/organization/delete', '/organization/member_add', '/organization/member_update', '/organization/member_delete'];
const ADMIN_VIEWER_ROUTES = [
  '/user/list', '/user/available_users', '/user/available_roles', '/user/daily/activity', '/team/daily/activity', '/team/daily/activity/aggregated',
  '/tag/daily/activity', '/tag/list', '/audit', '/audit/{id}', '/global/activity', '/global/activity/model', '/global/activity/cache_hits',
  '/customer/list', '/customer/info', '/spend/logs/ui/{logId}', '/spend/logs/session/ui', '/management/v1/spend_logs/end_users',
  '/management/v1/spend_logs/users', '/callbacks/list', '/callbacks/configs', '/get/config/callbacks', '/alerting/settings', '/config/list',
  '/config/field/info', '/budget/list', '/management/v1/budgets', '/budget/settings', '/invitation/info', '/guardrails/list', '/v2/guardrails/list',
  '/guardrails/submissions', '/guardrails/submissions/{guardrail_id}', '/guardrails/usage/overview', '/policies/attachments/list',
  '/get/mcp_semantic_filter_settings', '/schedule/model_cost_map_reload/status', '/model/cost_map/source',
  ...SPEND_TRACKING_ROUTES, ...INFO_ROUTES,
];

export const LITELLM_ROUTE_GROUPS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  openai_routes: OPENAI_ROUTES,
  mapped_pass_through_routes: MAPPED_PASS_THROUGH_ROUTES,
  passthrough_routes_wildcard: PASSTHROUGH_ROUTES_WILDCARD,
  litellm_native_routes: LITELLM_NATIVE_ROUTES,
  anthropic_routes: ANTHROPIC_ROUTES,
  mcp_inference_routes: MCP_INFERENCE_ROUTES,
  mcp_management_routes: MCP_MANAGEMENT_ROUTES,
  mcp_routes: [...MCP_INFERENCE_ROUTES, ...MCP_MANAGEMENT_ROUTES],
  agent_inference_routes: AGENT_INFERENCE_ROUTES,
  agent_management_routes: AGENT_MANAGEMENT_ROUTES,
  agent_routes: [...AGENT_INFERENCE_ROUTES, ...AGENT_MANAGEMENT_ROUTES],
  google_routes: GOOGLE_ROUTES,
  apply_guardrail_routes: APPLY_GUARDRAIL_ROUTES,
  model_info_routes: MODEL_INFO_ROUTES,
  llm_api_routes: [
    ...OPENAI_ROUTES, ...ANTHROPIC_ROUTES, ...GOOGLE_ROUTES, ...MAPPED_PASS_THROUGH_ROUTES, ...PASSTHROUGH_ROUTES_WILDCARD,
    ...APPLY_GUARDRAIL_ROUTES, ...MCP_INFERENCE_ROUTES, ...LITELLM_NATIVE_ROUTES, ...AGENT_INFERENCE_ROUTES, ...MODEL_INFO_ROUTES,
  ],
  info_routes: INFO_ROUTES,
  master_key_only_routes: ['/global/spend/reset', '/memory-usage-in-mem-cache', '/memory-usage-in-mem-cache-items'],
  key_management_routes: KEY_MANAGEMENT_ROUTES,
  management_routes: MANAGEMENT_ROUTES,
  spend_tracking_routes: SPEND_TRACKING_ROUTES,
  global_spend_tracking_routes: GLOBAL_SPEND_TRACKING_ROUTES,
  public_routes: PUBLIC_ROUTES,
  ui_routes: [
    '/sso', '/sso/get/ui_settings', '/get/ui_settings', '/login', '/key/info', '/config', '/spend', '/model/info', '/v2/model/info', '/v2/key/info',
    '/models', '/v1/models', '/global/spend', '/global/spend/logs', '/global/spend/keys', '/global/spend/models', '/global/spend/tags',
    '/global/predict/spend/logs', '/global/activity', '/gateway/daily/activity', '/health/services', ...INFO_ROUTES,
  ],
  compliance_check_routes: COMPLIANCE_CHECK_ROUTES,
  internal_user_routes: [
    '/global/activity', '/global/activity/model', '/global/activity/cache_hits', '/tag/daily/activity', '/tag/list', '/v1/models/{model_id}',
    '/models/{model_id}', '/guardrails/list', '/v2/guardrails/list', '/project/list', '/project/info', '/search_tools/list',
    '/search_tools/ui/available_providers', ...SPEND_TRACKING_ROUTES, ...KEY_MANAGEMENT_ROUTES, ...COMPLIANCE_CHECK_ROUTES,
  ],
  internal_user_view_only_routes: [...SPEND_TRACKING_ROUTES, ...COMPLIANCE_CHECK_ROUTES, '/tag/daily/activity', '/tag/list'],
  self_managed_routes: SELF_MANAGED_ROUTES,
  org_admin_only_routes: ORG_ADMIN_ONLY_ROUTES,
  admin_viewer_routes: ADMIN_VIEWER_ROUTES,
  org_admin_allowed_routes: [...ORG_ADMIN_ONLY_ROUTES, ...MANAGEMENT_ROUTES, ...SELF_MANAGED_ROUTES, ...ADMIN_VIEWER_ROUTES],
});

/** The group an entry names (`LiteLLMRoutes.openai_routes` or `openai_routes`), if it names one. */
export function routeGroupOf(entry: string): readonly string[] | undefined {
  const name = entry.startsWith('LiteLLMRoutes.') ? entry.slice('LiteLLMRoutes.'.length) : entry;
  return Object.hasOwn(LITELLM_ROUTE_GROUPS, name) ? LITELLM_ROUTE_GROUPS[name] : undefined;
}

export interface RouteRuleOptions {
  /**
   * A plain entry also matches the paths under it (`/team` matches `/team/info`), as LiteLLM
   * matches a key's `allowed_routes` (`_route_matches_allowed_route`). Default: exact only.
   */
  subpaths?: boolean;
}

/** A compiled rule list: `matches` takes a path from normalizeRoutePath. */
export interface RouteRules {
  /** The entries as configured (for messages). */
  readonly entries: readonly string[];
  readonly empty: boolean;
  matches(path: string): boolean;
}

const PLACEHOLDER = /\{([^}]+)\}/g;

function patternSource(entry: string): string {
  let source = '';
  let last = 0;
  for (const m of entry.matchAll(PLACEHOLDER)) {
    source += escapeRegExp(entry.slice(last, m.index)) + (m[1]!.endsWith(':path') ? '[^:]+' : '[^/]+');
    last = m.index! + m[0].length;
  }
  return source + escapeRegExp(entry.slice(last));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A configured path written as the router would serve it (`/key/generate/` → `/key/generate`). */
function canonicalEntry(entry: string): string {
  return normalizeRoutePath(entry) ?? entry;
}

/**
 * Compiles entries once (at load): exact paths into a Set, `…*` prefixes into a list (`/x/*` also
 * matches `/x` itself, which the router serves with the same wildcard route), `{param}` patterns
 * into one RegExp, LiteLLM group tokens expanded into the same three.
 */
export function compileRouteRules(entries: readonly string[] | null | undefined, options: RouteRuleOptions = {}): RouteRules {
  const list = [...(entries ?? [])];
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const patterns: string[] = [];
  const under: string[] = [];
  const add = (entry: string, plain: boolean) => {
    if (entry.endsWith('*')) {
      const prefix = entry.slice(0, -1);
      prefixes.push(prefix);
      if (prefix.length > 1 && prefix.endsWith('/')) exact.add(prefix.slice(0, -1));
    } else if (entry.includes('{')) {
      patterns.push(patternSource(entry));
    } else {
      const path = canonicalEntry(entry);
      exact.add(path);
      if (plain && options.subpaths && path !== '/') under.push(`${path}/`);
    }
  };
  for (const entry of list) {
    const group = routeGroupOf(entry);
    if (group) for (const member of group) add(member, false);
    else add(entry, true);
  }
  prefixes.push(...under);
  const pattern = patterns.length > 0 ? new RegExp(`^(?:${patterns.join('|')})$`) : undefined;
  const anyPrefix = prefixes.length > 0;
  return Object.freeze({
    entries: Object.freeze(list),
    empty: list.length === 0,
    matches(path: string): boolean {
      if (exact.has(path)) return true;
      if (anyPrefix) for (const p of prefixes) if (path.startsWith(p)) return true;
      return pattern !== undefined && pattern.test(path);
    },
  });
}
