/**
 * The framework's load-time decisions (which taps are gated, left out or left alone) and its
 * per-request activation from typed key and team switches, without a gateway. The behaviour
 * through a real gateway is test/guardrails.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { ActivatedPlugin, ActivationScope, CallContext, Logger, Principal } from '@sluice/plugin-sdk';
import { MASTER_KEY, startGateway } from '../../../test/support/gateway.js';
import plugin from '../src/index.js';
import { activeGuardrails } from '../src/guardrail-activation.js';
import { readGuardrails } from '../src/read-guardrails.js';

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };
const guardrailPlugin = (id: string, names: string[], modes: string[], extra: object = {}) =>
  ({ id, version: '1.0.0', apiVersion: '^1', guardrail: { names, modes }, ...extra }) as unknown as ActivatedPlugin['manifest'];
const words = guardrailPlugin('guardrail-words', ['words'], ['pre_call', 'during_call', 'post_call'], { litellm: { callbacks: ['word_check'] } });
const secrets = guardrailPlugin('guardrail-secrets', ['secrets'], ['pre_call']);
const scopeOf = (...enabled: ActivatedPlugin['manifest'][]): ActivationScope => ({
  enabled: enabled.map((manifest) => ({ id: manifest.id, version: manifest.version, manifest, log: silent })),
  installed: [words, secrets],
});

async function compile(config: object, scope: ActivationScope) {
  const instance = await plugin.setup({ log: silent } as never, config);
  return instance.tapActivation!.compile(scope);
}

const call = (principal: Partial<Principal> = {}, body: object = {}): CallContext =>
  ({ requestId: 'r1', principal: { id: 'k', authenticatedBy: 't', role: 'internal_user', ...principal }, body, state: {}, headers: {} }) as unknown as CallContext;

describe('at load', () => {
  it('gates the lanes its entries run at, leaves out the others and leaves non-guardrails alone', async () => {
    const compiled = await compile(
      { guardrails: [{ guardrail_name: 'w', litellm_params: { guardrail: 'words', mode: 'pre_call' } }] },
      scopeOf(words),
    );
    expect(compiled.gateFor({ pluginId: 'guardrail-words', lane: 'preCall' })).toBeTypeOf('function');
    expect(compiled.gateFor({ pluginId: 'guardrail-words', lane: 'postCall' })).toBeNull();
    expect(compiled.gateFor({ pluginId: 'guardrail-words', lane: 'onSpend' })).toBeUndefined();
    expect(compiled.gateFor({ pluginId: 'budget', lane: 'preCall' })).toBeUndefined();
    // No entry runs during_call: its own barrier is not tapped.
    expect(compiled.gateFor({ pluginId: 'guardrails-litellm', lane: 'postCallChunk' })).toBeNull();
  });

  it('taps its barrier when an entry runs during_call', async () => {
    const compiled = await compile({ guardrails: [{ guardrail_name: 'w', litellm_params: { guardrail: 'words', mode: 'during_call' } }] }, scopeOf(words));
    expect(compiled.gateFor({ pluginId: 'guardrails-litellm', lane: 'postCall' })).toBeUndefined();
  });

  it('names an installed implementation the config did not enable, and keeps the entry as unavailable', async () => {
    const config = { guardrails: [{ guardrail_name: 's', litellm_params: { guardrail: 'secrets', mode: 'pre_call' } }] };
    expect(plugin.checkConfig!(config, scopeOf(words))).toEqual([
      'guardrails[0].litellm_params.guardrail: guardrail "s" needs plugin guardrail-secrets, which the config disables (available: secrets, word_check, words). It is not available in this gateway: a request that activates it gets a 500',
    ]);
    const { entries } = readGuardrails(config, scopeOf(words));
    expect(entries.find((e) => e.name === 's')).toMatchObject({ pluginId: '', unavailable: { type: 'secrets' } });
    // Its own preCall (the refusal) is tapped only because such an entry exists.
    const compiled = await compile(config, scopeOf(words));
    expect(compiled.gateFor({ pluginId: 'guardrails-litellm', lane: 'preCall' })).toBeUndefined();
    const none = await compile({ guardrails: [{ guardrail_name: 'w', litellm_params: { guardrail: 'words', mode: 'pre_call' } }] }, scopeOf(words));
    expect(none.gateFor({ pluginId: 'guardrails-litellm', lane: 'preCall' })).toBeNull();
  });

  it('gives a plugin a callback enabled an always-on entry under the callback name', () => {
    const { entries } = readGuardrails({ callbacks: ['word_check'] }, scopeOf(words, secrets));
    expect(entries.map((e) => [e.name, e.defaultOn, [...e.modes]])).toEqual([
      ['word_check', true, ['pre_call', 'post_call']],
      ['secrets', true, ['pre_call']],
    ]);
  });
});

describe('per request, from typed switches', () => {
  const { entries } = readGuardrails(
    {
      guardrails: [
        { guardrail_name: 'w', litellm_params: { guardrail: 'words', mode: 'pre_call', default_on: true } },
        { guardrail_name: 's', litellm_params: { guardrail: 'secrets', mode: 'pre_call' } },
      ],
    },
    scopeOf(words, secrets),
  );
  const names = (c: CallContext) => [...activeGuardrails(entries, c, () => silent)].map((e) => e.name).sort();

  it("a key's or team's `on` switches a guardrail on", () => {
    expect(names(call())).toEqual(['w']);
    expect(names(call({ switches: { key: { on: ['s'] } } }))).toEqual(['s', 'w']);
    expect(names(call({ switches: { team: { on: ['s'] } } }))).toEqual(['s', 'w']);
  });

  it("a key's or team's permissions switch one off, by its name or its implementation's", () => {
    expect(names(call({ switches: { key: { permissions: { words: false } } } }))).toEqual([]);
    expect(names(call({ switches: { team: { permissions: { w: false } } } }))).toEqual([]);
  });

  it('permissions of an unexpected shape switch nothing off', () => {
    expect(names(call({ switches: { key: { permissions: ['w', false] as never } } }))).toEqual(['w']);
  });

  it('the request switches one off only with its key’s leave', () => {
    const off = { metadata: { permissions: { w: false } } };
    expect(names(call({}, off))).toEqual(['w']);
    expect(names(call({ switches: { key: { permissions: { allow_request_w_off: true } } } }, off))).toEqual([]);
  });
});

describe('in the native config form', () => {
  it('reads the guardrails list from its own config, the implementing plugin enabled in plugins:', async () => {
    const gw = await startGateway({
      model_list: [{ model_name: 'fake', litellm_params: { model: 'fake/fake' } }],
      general_settings: { master_key: MASTER_KEY },
      plugins: [
        { use: 'guardrail-banned-keywords', config: { banned_keywords_list: ['forbidden'] } },
        { use: 'guardrails-litellm', config: { guardrails: [{ guardrail_name: 'words', litellm_params: { guardrail: 'banned_keywords', mode: 'pre_call' } }] } },
      ],
    } as never);
    try {
      const chat = (extra: object) =>
        fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content: 'the forbidden word' }], ...extra }),
        });
      expect((await chat({})).status).toBe(200);
      const asked = await chat({ guardrails: ['words'] });
      expect(asked.status).toBe(400);
      expect(asked.headers.get('x-litellm-applied-guardrails')).toBe('words');
    } finally {
      await gw.close();
    }
  });
});
