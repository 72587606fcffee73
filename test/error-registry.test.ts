/** One registry of coded errors: unique codes, real statuses, the OpenAI envelope. */
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import envelopeSchema from '../schemas/error-envelope.schema.json' with { type: 'json' };
import { KernelErrors, fromUpstream, maskKey } from '../kernel/errors.js';
import { definePluginErrors, UpstreamError } from '@sluice/plugin-sdk';

const validEnvelope = new Ajv({ strict: false, allowUnionTypes: true }).compile(envelopeSchema);

describe('kernel error registry', () => {
  const entries = Object.entries(KernelErrors);

  it('codes are SLUICE_ERR_<AREA>_<DETAIL>, unique, with real HTTP statuses', () => {
    const codes = entries.map(([, f]) => f.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [key, f] of entries) {
      expect(f.code).toBe(`SLUICE_ERR_${key}`);
      expect(f.code).toMatch(/^SLUICE_ERR_[A-Z]+_[A-Z_]+$|^SLUICE_ERR_INTERNAL$/);
      expect(f.spec.status).toBeGreaterThanOrEqual(400);
      expect(f.spec.status).toBeLessThan(600);
      expect(f.spec.message.length).toBeGreaterThan(10);
    }
  });

  it('every error renders a valid envelope with its status as code', () => {
    for (const [, f] of entries) {
      const err = f({ model: 'm', route: '/r', param: 'p', reason: 'r', detail: 'd', limit: 1, provider: 'p', status: 500, timeoutMs: 1, plugin: 'x', hook: 'h', requestId: 'id', masked: 'sk-...1234', role: 'r', method: 'GET', url: '/', contentType: 'x', allowed: '[]', endpoint: 'e', seconds: 1 });
      expect(validEnvelope(err.toEnvelope())).toBe(true);
      expect(err.toEnvelope().error.code).toBe(String(f.spec.status));
      expect(err.message).not.toMatch(/\{\w+\}/); // every placeholder filled
    }
  });

  it('plugins declare their own codes under a prefix', () => {
    const E = definePluginErrors('BUDGET', { EXCEEDED: { status: 400, type: 'budget_exceeded', message: 'Budget has been exceeded! Current cost: {spend}' } });
    const err = E.EXCEEDED({ spend: 3.2 });
    expect(err.code).toBe('BUDGET_EXCEEDED');
    expect(err.toEnvelope()).toEqual({ error: { message: 'Budget has been exceeded! Current cost: 3.2', type: 'budget_exceeded', param: null, code: '400' } });
    expect(() => definePluginErrors('bad-prefix', {})).toThrow(/SCREAMING_SNAKE/);
  });

  it('maps upstream failures: 5xx → 502, timeout → 504, 4xx kept', () => {
    expect(fromUpstream(new UpstreamError('x', { status: 503 }), 'openai', 10).status).toBe(502);
    expect(fromUpstream(new UpstreamError('x', { status: 504, timeout: true }), 'openai', 10).status).toBe(504);
    expect(fromUpstream(new UpstreamError('x', { status: 0 }), 'openai', 10).status).toBe(502);
    const rejected = fromUpstream(new UpstreamError('x', { status: 401, body: { error: { message: 'Incorrect API key provided' } } }), 'openai', 10);
    expect(rejected.status).toBe(401);
    expect(rejected.message).toBe('Incorrect API key provided');
  });

  it('masks keys it echoes', () => {
    expect(maskKey('sk-abcdefghijkl1234')).toBe('sk-...1234');
    expect(maskKey('short')).toBe('*****');
  });
});
