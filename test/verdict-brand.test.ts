/**
 * Verdicts are recognised by their brand, not by class: a plugin that bundles its own copy of the
 * SDK throws SluiceErrors of another class, and its refusals must still reach the client as
 * verdicts naming the plugin, not be counted as crashes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { isUpstreamError, isVerdict, SluiceError, UpstreamError, VERDICT_BRAND } from '@sluice/plugin-sdk';
import { MASTER_KEY, startGateway, tempDir, type TestGateway } from './support/gateway.js';
import { pluginSource, writeTestPlugin } from './support/test-plugins.js';

// The query makes the module loader evaluate errors.ts a second time: a second copy of the SDK.
const SECOND_COPY = `${resolve('plugin-sdk/errors.ts')}?second-copy`;

const vendorErrors = `import { definePluginErrors } from ${JSON.stringify(SECOND_COPY)};
  const E = definePluginErrors('VENDOR', {
    BLOCKED: { status: 403, type: 'permission_error', message: 'Vendor says no: {why}' },
    DOWN: { status: 503, type: 'service_unavailable', message: 'The vendor service is down' },
  });`;

describe('isVerdict', () => {
  it('recognises a SluiceError built by a second copy of the SDK', async () => {
    const copy = (await import(/* @vite-ignore */ SECOND_COPY)) as typeof import('@sluice/plugin-sdk');
    expect(copy.SluiceError).not.toBe(SluiceError);
    const err = copy.definePluginErrors('VENDOR', { NO: { status: 400, type: 'invalid_request_error', message: 'no' } }).NO();
    expect(err instanceof SluiceError).toBe(false);
    expect(isVerdict(err)).toBe(true);
  });

  it('is the brand plus a code and an HTTP error status, whatever the class', () => {
    class VendorRefusal extends Error {
      readonly [VERDICT_BRAND] = true;
      constructor(readonly code: string, readonly status: number) {
        super('refused');
      }
    }
    expect(isVerdict(new VendorRefusal('VENDOR_NO', 429))).toBe(true);
    expect(isVerdict(new VendorRefusal('VENDOR_DOWN', 502))).toBe(true);
    // A bug dressed as a verdict is not one.
    expect(isVerdict(new VendorRefusal('VENDOR_OK', 200))).toBe(false);
    expect(isVerdict(new VendorRefusal('VENDOR_NAN', Number.NaN))).toBe(false);
    expect(isVerdict(Object.assign(new Error('unbranded'), { code: 'X', status: 400 }))).toBe(false);
    expect(isVerdict(undefined)).toBe(false);
    expect(isVerdict('SLUICE_ERR')).toBe(false);
  });
});

describe('isUpstreamError', () => {
  it('recognises an UpstreamError built by a second copy of the SDK (a provider bundling its own)', async () => {
    const copy = (await import(/* @vite-ignore */ SECOND_COPY)) as typeof import('@sluice/plugin-sdk');
    const err = new copy.UpstreamError('rate limited', { status: 429, retryAfter: '3' });
    expect(err instanceof UpstreamError).toBe(false);
    expect(isUpstreamError(err)).toBe(true);
    expect(isUpstreamError(Object.assign(new Error('x'), { status: 502 }))).toBe(false);
    expect(isUpstreamError(new SluiceError('X', { status: 502, type: 'api_error', message: '' }, 'x'))).toBe(false);
  });
});

describe('a plugin with its own SDK copy, in the gateway', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    const dir = writeTestPlugin(
      {
        id: 'vendor-copy',
        hooks: { preCall: { stage: 'GUARDRAIL' } },
        source: `${vendorErrors}
          ${pluginSource(`return { preCall: async (c) => {
            const text = JSON.stringify(c.body.messages);
            if (text.includes('refuse')) throw E.BLOCKED({ why: 'policy' });
            if (text.includes('down')) throw E.DOWN();
          } };`)}`,
      },
      tempDir('sluice-verdict-brand-'),
    );
    gw = await startGateway(
      {
        model_list: [{ model_name: 'fake-model', litellm_params: { model: 'fake/fake-model' } }],
        general_settings: { master_key: MASTER_KEY },
        plugins: [{ use: 'vendor-copy' }],
      } as never,
      { extraPluginDirs: [dir] },
    );
  });
  afterAll(() => gw.close());

  const chat = async (content: string) => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content }] }),
    });
    return { status: res.status, headers: res.headers, json: (await res.json()) as { error?: { message: string; type: string } } };
  };
  const faults = () => gw.gateway.metrics.get('plugin_faults_total', { plugin: 'vendor-copy', hook: 'preCall' });

  it('its refusal is a verdict: the status, message and plugin id reach the client, no fault is counted', async () => {
    const res = await chat('please refuse');
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({ message: 'Vendor says no: policy', type: 'permission_error' });
    expect(res.headers.get('x-sluice-error-code')).toBe('VENDOR_BLOCKED');
    expect(res.headers.get('x-sluice-plugin')).toBe('vendor-copy');
    expect(faults()).toBe(0);
  });

  it('a 5xx verdict is a verdict too (one rule for every runtime), not a crash', async () => {
    const res = await chat('the service is down');
    expect(res.status).toBe(503);
    expect(res.headers.get('x-sluice-error-code')).toBe('VENDOR_DOWN');
    expect(res.headers.get('x-sluice-plugin')).toBe('vendor-copy');
    expect(faults()).toBe(0);
    expect((await chat('fine')).status).toBe(200);
  });
});
