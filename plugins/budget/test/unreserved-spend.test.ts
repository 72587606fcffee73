/**
 * Spend the budget plugin reserved nothing for (a plugin route's charge recorded without admitting
 * the call first) still counts into the scopes' budget windows: the next call is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LimitScope } from '@sluice/plugin-sdk';
import { startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { writeTestPlugin } from '../../../test/support/test-plugins.js';
import { budgetConfig, chat, scopesAuthPlugin } from './support.js';

const CHARGE_ID = 'budget-test-route-charge';

/** A route that charges its caller $0.6 through `recordSpend`, without `admit()`. */
function chargeRoutePlugin(): string {
  return writeTestPlugin({
    id: CHARGE_ID,
    manifestExtra: { capabilities: ['routes'] },
    source: `export default { id: '__ID__', version: '__VERSION__', apiVersion: '^2', async setup() { return {
      routes: [{ method: 'POST', url: '/charge', access: 'authenticated', async handler(request) {
        request.recordSpend({ endpoint: 'pass_through_endpoint', model: 'unknown', status: 'success', httpStatus: 200, cost: 0.6, startedAt: Date.now() });
        return { body: { ok: true } };
      } }],
    }; } };\n`,
  });
}

describe('spend without a reservation', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    const config = budgetConfig();
    config.plugins = [...(config.plugins ?? []), { use: CHARGE_ID }];
    gw = await startGateway(config, { extraPluginDirs: [scopesAuthPlugin(), chargeRoutePlugin()] });
  });
  afterAll(async () => gw?.close());

  it('counts into the key’s budget window, so the next call is refused', async () => {
    const scopes: LimitScope[] = [{ kind: 'key', id: 'k-unreserved', alias: 'unreserved', maxBudget: 1 }];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${gw.url}/charge`, { method: 'POST', headers: { authorization: 'Bearer test-scopes', 'x-test-scopes': JSON.stringify(scopes), 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(200);
      await gw.gateway.observers.drain();
    }
    const refused = await chat(gw, scopes);
    expect(refused.status).toBe(400);
    expect(refused.json.error?.message).toBe('Budget has been exceeded! Key=unreserved Current cost: 1.2, Max budget: 1');
  });
});
