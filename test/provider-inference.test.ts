/**
 * Which provider a deployment's model names: `provider/model`, else the name prefixes the installed
 * provider plugins declare in plugin.json; the kernel holds no provider names of its own.
 */
import { describe, expect, it } from 'vitest';
import type { PluginManifest } from '@sluice/plugin-sdk/schemas';
import { ConfigError } from '../kernel/config/config-error.js';
import { providerInference } from '../kernel/models/provider-inference.js';
import { scanPlugins } from '../kernel/plugins/plugin-catalog.js';
import { MASTER_KEY, startGateway } from './support/gateway.js';

const plugin = (id: string, provides: PluginManifest['provides']) => ({ manifest: { id, version: '1.0.0', apiVersion: '^1', provides }, dir: `/plugins/${id}` });

describe('provider inference from the installed provider plugins', () => {
  const installed = providerInference(scanPlugins().latest());

  it('infers bare model names as LiteLLM does', () => {
    expect(installed.split('gpt-4o')).toEqual({ provider: 'openai', model: 'gpt-4o' });
    expect(installed.split('text-embedding-3-small').provider).toBe('openai');
    expect(installed.split('claude-3-5-sonnet').provider).toBe('anthropic');
    expect(installed.split('gemini-1.5-pro').provider).toBe('gemini');
    expect(installed.split('codestral-latest').provider).toBe('mistral');
    expect(installed.split('my-local-model')).toEqual({ provider: 'openai', model: 'my-local-model' });
    expect(installed.split('command-r').provider).toBe('cohere');
    expect(installed.split('rerank-english-v3.0').provider).toBe('cohere');
  });

  it('takes an explicit prefix or custom_llm_provider over any inference', () => {
    expect(installed.split('azure/my-deployment')).toEqual({ provider: 'azure', model: 'my-deployment' });
    expect(installed.split('claude-3', 'bedrock')).toEqual({ provider: 'bedrock', model: 'claude-3' });
  });

  it('shows the owner a provider plugin declares in /v1/models', () => {
    expect(installed.ownerOf('fake')).toBe('sluice');
    expect(installed.ownerOf('openai_compatible')).toBe('openai');
    expect(installed.ownerOf('anthropic')).toBe('anthropic');
  });
});

describe('provider inference from declarations', () => {
  it('the longest declared prefix wins, whichever plugin declared it', () => {
    const inference = providerInference(
      [plugin('provider-a', { providers: ['a'], modelNamePrefixes: { a: ['mod'] } }), plugin('provider-b', { providers: ['b'], modelNamePrefixes: { b: ['model-x'] } })],
      {},
    );
    expect(inference.split('model-x-1').provider).toBe('b');
    expect(inference.split('model-y').provider).toBe('a');
  });

  it('without a fallback provider, an unclaimed bare name has none', () => {
    const inference = providerInference([plugin('provider-a', { providers: ['a'], modelNamePrefixes: { a: ['mod'] } })], {});
    expect(inference.split('other')).toEqual({ provider: undefined, model: 'other' });
  });

  it('refuses declarations for providers the plugin does not serve, and two fallbacks', () => {
    expect(() => providerInference([plugin('provider-a', { providers: ['a'], modelNamePrefixes: { b: ['x'] } })])).toThrow(ConfigError);
    expect(() => providerInference([plugin('provider-a', { providers: ['a'], fallbackProvider: 'b' })])).toThrow(/not in its provides.providers/);
    expect(() =>
      providerInference([plugin('provider-a', { providers: ['a'], fallbackProvider: 'a' }), plugin('provider-b', { providers: ['b'], fallbackProvider: 'b' })]),
    ).toThrow(/both provider-a and provider-b declare the fallback provider/);
  });
});

describe('a bare model name whose provider plugin is disabled', () => {
  it('starts, with a warning naming the plugin, and answers its calls 500', async () => {
    const gw = await startGateway({
      model_list: [
        { model_name: 'ok', litellm_params: { model: 'fake/ok' } },
        { model_name: 'bare', litellm_params: { model: 'some-model' } },
      ],
      general_settings: { master_key: MASTER_KEY },
      plugins: [{ use: 'provider-openai', enabled: false }],
    } as never);
    try {
      expect(gw.gateway.warnings).toContain(
        'model_list[1] (bare): litellm.APIConnectionError: provider "openai" is served by plugin provider-openai, which is not enabled in this gateway. The deployment starts; every call to it answers 500',
      );
      expect(gw.gateway.registry.has('bare')).toBe(true);
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'bare', messages: [{ role: 'user', content: 'hi' }] }) });
      expect(res.status).toBe(500);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/served by plugin provider-openai, which is not enabled/);
    } finally {
      await gw.close();
    }
  });
});
