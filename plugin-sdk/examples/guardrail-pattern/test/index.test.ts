import { describe, expect, it } from 'vitest';
import { SluiceError } from '@sluice/plugin-sdk';
import { createTestKernel } from '@sluice/plugin-sdk/testing';
import configSchema from '../config.schema.json' with { type: 'json' };
import manifest from '../plugin.json' with { type: 'json' };
import plugin, { errors } from '../src/index.js';

const ask = (content: string) => ({ body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] } });
const card = String.raw`\b\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}\b`;

describe('guardrail-pattern', () => {
  it('refuses a prompt matching a pattern, as a 400 verdict naming the guardrail', async () => {
    const kernel = await createTestKernel(plugin, { config: { patterns: ['project\\s+falcon', card] }, configSchema, manifest });
    const refused = kernel.preCall(ask('my card is 4111 1111 1111 1111'));
    await expect(refused).rejects.toBeInstanceOf(SluiceError);
    await expect(refused).rejects.toMatchObject({ code: errors.BLOCKED.code, status: 400, message: expect.stringContaining('guardrail-pattern') });
    await expect(kernel.preCall(ask('status of PROJECT   Falcon?'))).rejects.toMatchObject({ code: 'GUARDRAIL_PATTERN_BLOCKED' });
  });

  it('redacts the match instead when configured to', async () => {
    const kernel = await createTestKernel(plugin, { config: { patterns: [card], action: 'redact' }, configSchema, manifest });
    const call = await kernel.preCall(ask('pay with 4111-1111-1111-1111 please'));
    expect(call.body.messages).toEqual([{ role: 'user', content: 'pay with [blocked] please' }]);
    expect(call.tags).toContain('guardrail-pattern:redacted');
  });

  it('lets other prompts through unchanged, multi-part content included', async () => {
    const kernel = await createTestKernel(plugin, { config: { patterns: ['falcon'] }, configSchema, manifest });
    const body = { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] };
    expect((await kernel.preCall({ body })).body).toEqual(body);
  });

  it('rejects an invalid config', async () => {
    await expect(createTestKernel(plugin, { config: { patterns: ['x'], flags: 'zz' }, configSchema, manifest })).rejects.toThrow(/flags/);
  });
});
