/** HTTP helpers for the SCIM tests: a gateway config, SCIM requests as an IdP sends them, model calls. */
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { MASTER_KEY, type TestGateway } from '../../../test/support/gateway.js';

export interface Reply {
  status: number;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Headers;
}

/** Model `a` answered in-process. */
export const scimConfig = (extra: Partial<SluiceConfig> = {}): SluiceConfig =>
  ({
    model_list: [{ model_name: 'a', litellm_params: { model: 'fake/a' } }],
    general_settings: { master_key: MASTER_KEY },
    ...extra,
  }) as SluiceConfig;

async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

export function scimClient(gw: () => TestGateway, token = MASTER_KEY) {
  const send = async (method: string, path: string, body?: unknown, opts: { key?: string; contentType?: string } = {}): Promise<Reply> =>
    reply(
      await fetch(`${gw().url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${opts.key ?? token}`,
          accept: 'application/scim+json',
          ...(body !== undefined && { 'content-type': opts.contentType ?? 'application/scim+json; charset=utf-8' }),
        },
        ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    );
  return {
    send,
    get: (path: string, key?: string) => send('GET', path, undefined, { key }),
    /** A management call with the master key (JSON). */
    admin: async (method: string, path: string, body?: unknown): Promise<any> => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const r = await send(method, path, body, { key: MASTER_KEY, contentType: 'application/json' });
      if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
      return r.json;
    },
    chat: async (key: string): Promise<Reply> =>
      reply(
        await fetch(`${gw().url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'a', messages: [{ role: 'user', content: 'hello' }] }),
        }),
      ),
  };
}

/** `path?filter=…` with the filter encoded as an IdP encodes it. */
export const withFilter = (path: string, filter: string, extra = '') => `${path}?filter=${encodeURIComponent(filter)}${extra}`;
