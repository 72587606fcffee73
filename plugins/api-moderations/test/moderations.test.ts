/**
 * /v1/moderations through a real gateway, with the official `openai` SDK as the client, against the
 * fake OpenAI API (proven by the SDK in plugins/api-images/test/fake-images-api.test.ts): with a
 * model group, without a model (OpenAI's default, the first OpenAI deployment's key), the server
 * default, spend rows, and bad input.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MASTER_KEY } from '../../../test/support/gateway.js';
import { client, generateKey, post, spendRows, startImagesGateway, UPSTREAM_KEY, type ImagesSetup } from '../../api-images/test/support.js';

let setup: ImagesSetup | undefined;
afterEach(async () => {
  await setup?.close();
  setup = undefined;
});

describe('POST /v1/moderations', () => {
  it('routes a named model to its deployment with its key and records one amoderation spend row', async () => {
    setup = await startImagesGateway();
    const key = await generateKey(setup.gw);
    const res = await client(setup.gw, key).moderations.create({ model: 'omni-moderation-latest', input: ['I will kill them all', 'a kind word'] });
    expect(res.model).toBe('omni-moderation-latest-2024-09-26');
    expect(res.results.map((r) => [r.flagged, r.categories.violence])).toEqual([
      [true, true],
      [false, false],
    ]);
    const seen = setup.fake.calls[0]!;
    expect(seen.path).toBe('/v1/moderations');
    expect(seen.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(seen.fields).toEqual({ model: 'omni-moderation-latest', input: ['I will kill them all', 'a kind word'] });
    const [row] = await spendRows(setup.gw, key);
    expect(row!.call_type).toBe('amoderation');
    expect(row!.model).toBe('omni-moderation-latest');
    expect(row!.status).toBe('success');
    expect(row!.spend).toBe(0); // the cost map prices OpenAI's moderation models at 0
  });

  it("without a model sends none (OpenAI's default) with the first OpenAI deployment's key, on /moderations too", async () => {
    setup = await startImagesGateway();
    const key = await generateKey(setup.gw);
    const res = await client(setup.gw, key).moderations.create({ input: 'hello' });
    expect(res.results[0]!.flagged).toBe(false);
    expect(setup.fake.calls[0]!.fields).toEqual({ input: 'hello' });
    expect(setup.fake.calls[0]!.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    const plain = await post(setup.gw, '/moderations', key, JSON.stringify({ input: 'hi' }), 'application/json');
    expect(plain.status).toBe(200);
    const rows = await spendRows(setup.gw, key, 2);
    expect(rows.map((r) => r.call_type)).toEqual(['amoderation', 'amoderation']);
  });

  it('sends every call to general_settings.moderation_model when it is set', async () => {
    setup = await startImagesGateway({}, { general_settings: { moderation_model: 'omni-moderation-latest' } } as never);
    await client(setup.gw, MASTER_KEY).moderations.create({ input: 'hello', model: 'text-moderation-stable' });
    expect(setup.fake.calls[0]!.fields.model).toBe('omni-moderation-latest');
  });

  it('refuses bad input with OpenAI-format 400s, before any upstream call', async () => {
    setup = await startImagesGateway();
    const gw = setup.gw;
    const missing = await post(gw, '/v1/moderations', MASTER_KEY, JSON.stringify({ model: 'omni-moderation-latest' }), 'application/json');
    expect(missing.status).toBe(400);
    expect(missing.json.error).toEqual({ message: "/moderations: Missing required parameter: 'input'.", type: 'invalid_request_error', param: 'input', code: '400' });
    const wrongType = await post(gw, '/v1/moderations', MASTER_KEY, JSON.stringify({ input: 42 }), 'application/json');
    expect([wrongType.status, wrongType.json.error?.param]).toEqual([400, 'input']);
    const empty = await post(gw, '/v1/moderations', MASTER_KEY, JSON.stringify({ input: [] }), 'application/json');
    expect(empty.status).toBe(400);
    const unknown = await post(gw, '/v1/moderations', MASTER_KEY, JSON.stringify({ input: 'x', model: 'nope' }), 'application/json');
    expect(unknown.status).toBe(400);
    expect(unknown.json.error?.message).toContain('Invalid model name passed in model=nope');
    expect(setup.fake.calls).toHaveLength(0);
  });

  it('bounds the number of inputs', async () => {
    setup = await startImagesGateway({ moderations: { max_inputs: 3 } });
    const res = await post(setup.gw, '/v1/moderations', MASTER_KEY, JSON.stringify({ input: ['a', 'b', 'c', 'd'] }), 'application/json');
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toBe("/moderations: 'input' holds 4 items; at most 3 are accepted.");
  });
});
