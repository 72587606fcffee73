/**
 * The SDK's route rules (plugin-sdk/route-rules.ts) on their own: the normaliser agrees with the
 * router the gateway runs (find-my-way with the gateway's options) on every spelling, and the
 * matcher compiles LiteLLM's entries (paths, `*` prefixes, `{param}` patterns, route groups).
 */
import FindMyWay from 'find-my-way';
import { describe, expect, it } from 'vitest';
import { compileRouteRules, LITELLM_ROUTE_GROUPS, normalizeRoutePath, routeGroupOf } from '@sluice/plugin-sdk';
import { spellingsOf } from './spellings.js';

/** The router build-server.ts configures (fastify 5: case-sensitive, `;` not a delimiter). */
function gatewayRouter() {
  const router = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true });
  const noop = () => undefined;
  router.on('POST', '/key/generate', noop, { route: '/key/generate' });
  router.on('GET', '/v1/models', noop, { route: '/v1/models' });
  router.on('GET', '/v1/models/:model', noop, { route: '/v1/models/:model' });
  router.on('POST', '/anthropic/*', noop, { route: '/anthropic/*' });
  return router;
}

describe('normalizeRoutePath', () => {
  it('whenever the router serves a spelling as a static route, the normalised path is that route', () => {
    const router = gatewayRouter();
    const checked: string[] = [];
    for (const [method, path] of [['POST', '/key/generate'], ['GET', '/v1/models']] as const) {
      for (const s of spellingsOf(path)) {
        const found = router.find(method, s.target);
        const store = found?.store as { route?: string } | undefined;
        if (store?.route === path) {
          expect(normalizeRoutePath(s.target), `${s.label}: ${s.target}`).toBe(path);
          checked.push(s.label);
        } else {
          // Not served as the route: the normaliser must not claim it is.
          expect(normalizeRoutePath(s.target), `${s.label}: ${s.target}`).not.toBe(path);
        }
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(30);
  });

  it('a path a wildcard route serves normalises under the wildcard, or is refused', () => {
    const router = gatewayRouter();
    for (const target of ['/anthropic/v1/messages', '/anthropic/../key/generate', '/anthropic/%2e%2e/key/generate', '/anthropic/x%2F..%2F..%2Fkey', '//anthropic//v1', '/anthropic', '/anthropic/']) {
      const found = router.find('POST', target);
      if ((found?.store as { route?: string } | undefined)?.route !== '/anthropic/*') continue;
      const path = normalizeRoutePath(target);
      expect(path === undefined || path === '/anthropic' || path.startsWith('/anthropic/'), target).toBe(true);
      // A deny rule on the wildcard catches it (or the spelling is refused outright).
      expect(path === undefined || compileRouteRules(['/anthropic/*']).matches(path), target).toBe(true);
    }
  });

  it.each([
    ['/key/generate', '/key/generate'],
    ['/key/generate/', '/key/generate'],
    ['//key///generate//', '/key/generate'],
    ['/key/generate?x=1', '/key/generate'],
    ['/key/generate#x', '/key/generate'],
    ['/k%65y/generate', '/key/generate'],
    ['/%6B%65%79/generate', '/key/generate'],
    ['http://h:4000/key/generate?x', '/key/generate'],
    ['HTTPS://h/key/generate', '/key/generate'],
    ['http://h', '/'],
    ['http://h?x', '/'],
    ['/KEY/generate', '/KEY/generate'],
    ['/key/generate;x=1', '/key/generate;x=1'],
    ['/a%25b', '/a%25b'],
    ['/a%3Fb', '/a%3Fb'],
    ['/key/g%C3%A9nerate', '/key/génerate'],
    ['/.well-known/litellm-ui-config', '/.well-known/litellm-ui-config'],
    ['/', '/'],
  ])('%s → %s', (target, expected) => {
    expect(normalizeRoutePath(target)).toBe(expected);
  });

  it.each([
    '/key%2Fgenerate', '/key%2fgenerate', '/key/generate%00', '/x/../key/generate', '/key/./generate', '/key/generate/..', '/x/%2e%2e/key',
    '/key/generate%', '/key/generate%zz', '/key%C0%AFgenerate', 'ftp://h/key/generate', 'http://h/key#x', '*', 'key/generate',
  ])('%s cannot be checked (undefined)', (target) => {
    expect(normalizeRoutePath(target)).toBeUndefined();
  });
});

describe('compileRouteRules', () => {
  it('exact paths, in their canonical spelling', () => {
    const rules = compileRouteRules(['/spend/calculate', '/key/generate/']);
    expect(rules.matches('/spend/calculate')).toBe(true);
    expect(rules.matches('/key/generate')).toBe(true);
    expect(rules.matches('/spend/calculate/x')).toBe(false);
    expect(rules.matches('/spend')).toBe(false);
  });

  it('`/path/*` wildcards match what is under the path and the path itself; other `*` entries are prefixes', () => {
    const rules = compileRouteRules(['/public/*', '/v1/files*']);
    for (const p of ['/public', '/public/a', '/public/a/b', '/v1/files', '/v1/files/f1', '/v1/filesystem']) expect(rules.matches(p), p).toBe(true);
    for (const p of ['/publicity', '/v1/file']) expect(rules.matches(p), p).toBe(false);
  });

  it('subpaths (a key\'s allowed_routes, as LiteLLM): a plain entry admits the paths under it, not its siblings', () => {
    const rules = compileRouteRules(['/fake-openai-proxy-6'], { subpaths: true });
    expect(rules.matches('/fake-openai-proxy-6')).toBe(true);
    expect(rules.matches('/fake-openai-proxy-6/v1/chat/completions')).toBe(true);
    expect(rules.matches('/fake-openai-proxy-600')).toBe(false);
    expect(compileRouteRules(['/fake-openai-proxy-6']).matches('/fake-openai-proxy-6/v1')).toBe(false);
  });

  it("LiteLLM's route groups, with or without the `LiteLLMRoutes.` prefix, with their {param} patterns", () => {
    const openai = compileRouteRules(['LiteLLMRoutes.openai_routes']);
    for (const p of ['/chat/completions', '/v1/chat/completions', '/openai/deployments/gpt-4o/chat/completions', '/v1/threads/thread_abc/runs', '/v1/containers/c1/files']) {
      expect(openai.matches(p), p).toBe(true);
    }
    for (const p of ['/key/generate', '/openai/deployments/a/b/chat/completions', '/v1/threads/a/b']) expect(openai.matches(p), p).toBe(false);
    const google = compileRouteRules(['google_routes']);
    expect(google.matches('/v1beta/models/gemini-1.5-pro:generateContent')).toBe(true);
    expect(google.matches('/v1beta/models/publishers/google/models/gemini:streamGenerateContent')).toBe(true);
    const management = compileRouteRules(['management_routes']);
    for (const p of ['/key/generate', '/team/new', '/key/sk-abc/regenerate', '/user/delete', '/v1/mcp/server/a/b']) expect(management.matches(p), p).toBe(true);
    expect(management.matches('/chat/completions')).toBe(false);
    const pub = compileRouteRules(['LiteLLMRoutes.public_routes']);
    for (const p of ['/', '/health/liveliness', '/routes', '/.well-known/litellm-ui-config']) expect(pub.matches(p), p).toBe(true);
    expect(pub.matches('/key/info')).toBe(false);
    const llm = compileRouteRules(['llm_api_routes']);
    for (const p of ['/v1/messages', '/anthropic/v1/messages', '/bedrock', '/model/info', '/a2a/agent-1/message/send']) expect(llm.matches(p), p).toBe(true);
    expect(llm.matches('/key/info')).toBe(false);
  });

  it('knows every group the brief and LiteLLM name', () => {
    for (const g of ['openai_routes', 'management_routes', 'info_routes', 'spend_tracking_routes', 'llm_api_routes', 'public_routes', 'self_managed_routes', 'admin_viewer_routes', 'internal_user_routes', 'master_key_only_routes', 'global_spend_tracking_routes', 'key_management_routes', 'ui_routes', 'org_admin_allowed_routes']) {
      expect(routeGroupOf(g), g).toBeDefined();
      expect(routeGroupOf(`LiteLLMRoutes.${g}`), g).toBe(LITELLM_ROUTE_GROUPS[g]);
    }
    expect(routeGroupOf('toString')).toBeUndefined();
    expect(routeGroupOf('/key/generate')).toBeUndefined();
  });

  it('empty and missing lists match nothing', () => {
    expect(compileRouteRules([]).matches('/')).toBe(false);
    expect(compileRouteRules(undefined).empty).toBe(true);
  });
});
