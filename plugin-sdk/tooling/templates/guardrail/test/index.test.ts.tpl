import { describe, expect, it } from 'vitest';
import { SluiceError } from '@sluice/plugin-sdk';
import { createTestKernel } from '@sluice/plugin-sdk/testing';
import configSchema from '../config.schema.json' with { type: 'json' };
import manifest from '../plugin.json' with { type: 'json' };
import plugin, { errors } from '../src/index.js';

const ask = (content: string) => ({ body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] } });

describe('__ID__', () => {
  it('refuses a request that mentions a blocked term, as a 400 verdict', async () => {
    const kernel = await createTestKernel(plugin, { config: { blocked_terms: ['Project Falcon'] }, configSchema, manifest });
    const refused = kernel.preCall(ask('What is the status of project falcon?'));
    await expect(refused).rejects.toBeInstanceOf(SluiceError);
    await expect(refused).rejects.toMatchObject({ code: errors.BLOCKED.code, status: 400 });
  });

  it('redacts the term instead when configured to', async () => {
    const kernel = await createTestKernel(plugin, { config: { blocked_terms: ['falcon'], action: 'redact' }, configSchema, manifest });
    const call = await kernel.preCall(ask('Falcon launch date?'));
    expect(call.body.messages).toEqual([{ role: 'user', content: '[blocked] launch date?' }]);
    expect(call.tags).toContain('__ID__:redacted');
  });

  it('lets other requests through unchanged', async () => {
    const kernel = await createTestKernel(plugin, { config: { blocked_terms: ['falcon'] }, configSchema, manifest });
    const call = await kernel.preCall(ask('Hello'));
    expect(call.body.messages).toEqual([{ role: 'user', content: 'Hello' }]);
  });

  it('refuses a misspelt setting at load time', async () => {
    await expect(createTestKernel(plugin, { config: { blocked_term: ['x'] }, configSchema, manifest })).rejects.toThrow(/blocked_term is not a known setting/);
  });
});
