/** policy-block-robots through a real gateway: /robots.txt exists only when block_robots is true. */
import { describe, expect, it } from 'vitest';
import { MASTER_KEY, startGateway } from '../../../test/support/gateway.js';

async function robots(generalSettings: Record<string, unknown>) {
  const gw = await startGateway({ model_list: [], general_settings: { master_key: MASTER_KEY, ...generalSettings } });
  try {
    const res = await fetch(`${gw.url}/robots.txt`);
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text(), warnings: gw.gateway.warnings };
  } finally {
    await gw.close();
  }
}

describe('block_robots', () => {
  it('true: GET /robots.txt answers 200 text/plain disallowing everything, with no key', async () => {
    const r = await robots({ block_robots: true });
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/plain; charset=utf-8');
    expect(r.body).toBe('User-agent: *\nDisallow: /');
    expect(r.warnings.join('\n')).not.toContain('block_robots');
  });

  it('unset or false: /robots.txt is a 404, as in LiteLLM', async () => {
    for (const settings of [{}, { block_robots: false }]) {
      const r = await robots(settings);
      expect(r.status).toBe(404);
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: '404' } });
    }
  });

  it('a value that is not a boolean stops the gateway from starting, naming the setting', async () => {
    await expect(startGateway({ model_list: [], general_settings: { master_key: MASTER_KEY, block_robots: 'yes' } })).rejects.toThrow(/block_robots: must be boolean/);
  });
});
