/**
 * LiteLLM's `callbacks: ["datadog"]` end to end: real gateways, a fake upstream and the fake
 * Datadog intake (proven with the official client in fake-datadog-intake.test.ts). Checks the wire
 * format (gzip JSON array of {ddsource, ddtags, hostname, message, service, status} with
 * DD-API-KEY), that the message is the call's StandardLoggingPayload, failures as status error,
 * turn_off_message_logging, retry through an intake outage, the 413 split, and a team's own
 * destination (default_team_settings) that never gets the gateway's DD_API_KEY.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceConfig } from '../../../schemas/generated/config.js';
import { sendJson, startFakeUpstream, type FakeUpstream } from '../../../test/support/fake-upstream.js';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../test/support/gateway.js';
import { startFakeDatadogIntake, type FakeDatadogIntake, type ReceivedLog } from './fake-datadog-intake.js';

const DD_KEY = 'dd-gateway-key-abcdef0123456789';
const TEAM_DD_KEY = 'dd-team-key-9876543210';

function completion(text: string) {
  return { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } };
}

function config(upstream: string, litellm: Record<string, unknown> = {}, pluginConfig: Record<string, unknown> = {}): SluiceConfig {
  return {
    model_list: [
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstream, api_key: 'sk-upstream-secret-1' }, model_info: { id: 'dep-ok' } },
      { model_name: 'gpt-fail', litellm_params: { model: 'openai/gpt-fail', api_base: upstream, api_key: 'sk-upstream-secret-1' }, model_info: { id: 'dep-fail' } },
    ],
    general_settings: { master_key: MASTER_KEY },
    router_settings: { num_retries: 0 },
    litellm_settings: { num_retries: 0, callbacks: ['datadog'], ...litellm },
    plugins: [{ use: 'logging-datadog', config: { flush_interval: 0.1, ...pluginConfig } }],
  } as SluiceConfig;
}

function env(intake: FakeDatadogIntake, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DD_API_KEY: DD_KEY,
    DD_SITE: 'us5.datadoghq.com',
    DD_BASE_URL: intake.url,
    DD_SOURCE: 'sluice_test',
    DD_SERVICE: 'gateway-svc',
    DD_ENV: 'staging',
    DD_VERSION: '1.2.3',
    HOSTNAME: 'host-a',
    POD_NAME: 'pod-7',
    ...extra,
  };
}

async function chat(url: string, key: string, model: string, content: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }], metadata: { tags: ['exp-1'] } }),
  });
  await res.text();
  return { status: res.status, id: res.headers.get('x-litellm-call-id')! };
}

async function until<T>(what: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = what();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const logFor = (intake: FakeDatadogIntake, id: string): ReceivedLog | undefined => intake.logs.find((l) => JSON.parse(l.message!).id === id);

describe('datadog logging plugin', () => {
  let upstream: FakeUpstream;
  beforeAll(async () => {
    upstream = await startFakeUpstream((req, res) => {
      if (req.body?.model === 'gpt-fail') return sendJson(res, 429, { error: { message: 'slow down', type: 'rate_limit_error' } });
      sendJson(res, 200, completion(`echo: ${req.body?.messages?.[0]?.content}`));
    });
  });
  afterAll(() => upstream.close());

  describe('to the gateway-wide destination', () => {
    let intake: FakeDatadogIntake;
    let gw: TestGateway;
    beforeAll(async () => {
      intake = await startFakeDatadogIntake({ apiKey: DD_KEY });
      gw = await startGateway(config(upstream.url), { env: env(intake) });
    });
    afterAll(async () => {
      await gw.close();
      await intake.close();
    });

    it('sends a success as a gzip log whose message is the StandardLoggingPayload', async () => {
      const { status, id } = await chat(gw.url, MASTER_KEY, 'gpt-4o-mini', 'hello datadog');
      expect(status).toBe(200);
      const log = await until(() => logFor(intake, id));
      const req = intake.requests.find((r) => r.logs.includes(log))!;
      expect(req.headers['content-encoding']).toBe('gzip');
      expect(req.headers['dd-api-key']).toBe(DD_KEY);
      expect(req.path).toBe('/api/v2/logs');
      expect(Object.keys(log).sort()).toEqual(['ddsource', 'ddtags', 'hostname', 'message', 'service', 'status']);
      expect(log).toMatchObject({ ddsource: 'sluice_test', hostname: 'host-a', service: 'gateway-svc', status: 'info' });
      expect(log.ddtags).toBe('env:staging,service:gateway-svc,version:1.2.3,HOSTNAME:host-a,POD_NAME:pod-7,request_tag:exp-1');
      const payload = JSON.parse(log.message!);
      expect(payload).toMatchObject({ id, call_type: 'acompletion', status: 'success', model_group: 'gpt-4o-mini', model_id: 'dep-ok', total_tokens: 10, prompt_tokens: 7, completion_tokens: 3, request_tags: ['exp-1'] });
      expect(payload.messages).toEqual([{ role: 'user', content: 'hello datadog' }]);
      expect(payload.response.choices[0].message.content).toBe('echo: hello datadog');
      // The gateway's secrets never reach Datadog.
      expect(log.message).not.toContain('sk-upstream-secret-1');
      expect(log.message).not.toContain(MASTER_KEY);
    });

    it('sends a failed call with status error and LiteLLM error_information', async () => {
      const { status, id } = await chat(gw.url, MASTER_KEY, 'gpt-fail', 'will fail');
      expect(status).toBe(429);
      const log = await until(() => logFor(intake, id));
      expect(log.status).toBe('error');
      const payload = JSON.parse(log.message!);
      expect(payload.status).toBe('failure');
      expect(payload.error_information).toMatchObject({ error_code: '429', error_class: 'Openai.RateLimitError' });
    });

    it('keeps logs through an intake outage and delivers them when it answers again', async () => {
      intake.failNext(3, 503);
      const { id } = await chat(gw.url, MASTER_KEY, 'gpt-4o-mini', 'during outage');
      const log = await until(() => logFor(intake, id), 15_000);
      expect(JSON.parse(log.message!).messages[0].content).toBe('during outage');
    });

    it('honours x-litellm-disable-callbacks: datadog', async () => {
      const { id } = await chat(gw.url, MASTER_KEY, 'gpt-4o-mini', 'not logged', { 'x-litellm-disable-callbacks': 'datadog' });
      const { id: later } = await chat(gw.url, MASTER_KEY, 'gpt-4o-mini', 'logged');
      await until(() => logFor(intake, later));
      expect(logFor(intake, id)).toBeUndefined();
    });
  });

  it('redacts content with datadog_params.turn_off_message_logging', async () => {
    const intake = await startFakeDatadogIntake({ apiKey: DD_KEY });
    const gw = await startGateway(config(upstream.url, { datadog_params: { turn_off_message_logging: true } }), { env: env(intake) });
    try {
      const { id } = await chat(gw.url, MASTER_KEY, 'gpt-4o-mini', 'private words');
      const log = await until(() => logFor(intake, id));
      const payload = JSON.parse(log.message!);
      expect(payload.messages).toBe('redacted-by-litellm');
      expect(payload.response).toBe('redacted-by-litellm');
      expect(log.message).not.toContain('private words');
      expect(payload.total_tokens).toBe(10);
    } finally {
      await gw.close();
      await intake.close();
    }
  });

  it('halves a batch the intake refuses as too large (413) until every log is in', async () => {
    // An intake that takes ~1.5 logs per request: a batch of 6 is split down to single logs.
    const intake = await startFakeDatadogIntake({ apiKey: DD_KEY });
    const gw = await startGateway(config(upstream.url, {}, { flush_interval: 60 }), { env: env(intake, { DD_BATCH_SIZE: '6' }) });
    try {
      const first = await chat(gw.url, MASTER_KEY, 'gpt-4o-mini', 'size probe');
      await gw.close(); // flushes the probe
      const size = Buffer.byteLength(JSON.stringify(intake.logs[0]));
      intake.maxBytes = Math.floor(size * 1.5);
      expect(first.status).toBe(200);
    } finally {
      await gw.close().catch(() => undefined);
    }
    const gw2 = await startGateway(config(upstream.url, {}, { flush_interval: 60 }), { env: env(intake, { DD_BATCH_SIZE: '6' }) });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push((await chat(gw2.url, MASTER_KEY, 'gpt-4o-mini', 'size probe')).id);
      // Six queued logs make a full batch: sent at once, refused whole, then split.
      await until(() => (ids.every((id) => logFor(intake, id)) ? true : undefined));
      expect(intake.requests.slice(1).every((r) => r.logs.length === 1)).toBe(true);
    } finally {
      await gw2.close();
      await intake.close();
    }
  });

  it('warns, and serves calls, when DD_API_KEY / DD_SITE are missing', async () => {
    const gw = await startGateway(config(upstream.url), { env: { DD_API_KEY: '', DD_SITE: '', DD_BASE_URL: '' } });
    try {
      expect((await chat(gw.url, MASTER_KEY, 'gpt-4o-mini', 'still served')).status).toBe(200);
      expect(gw.logs.join('\n')).toContain('DD_API_KEY is not set');
    } finally {
      await gw.close();
    }
  });

  it("sends a team's calls to the team's own Agent with its own key, never the gateway's DD_API_KEY", async () => {
    const globalIntake = await startFakeDatadogIntake({ apiKey: DD_KEY });
    const teamAgent = await startFakeDatadogIntake({ apiKey: TEAM_DD_KEY });
    const cfg = config(upstream.url, {
      default_team_settings: [{ team_id: 'team-dd', success_callback: ['datadog'], dd_api_key: TEAM_DD_KEY, dd_agent_host: '127.0.0.1', dd_agent_port: String(teamAgent.port) }],
    });
    // No DD_BASE_URL: the base URL override would send every destination to one place.
    const gw = await startGateway(cfg, { env: { ...env(globalIntake), DD_BASE_URL: '', LITELLM_DD_AGENT_HOST: '127.0.0.1', LITELLM_DD_AGENT_PORT: String(globalIntake.port) } });
    try {
      const team = await fetch(`${gw.url}/team/new`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ team_id: 'team-dd', team_alias: 'dd-team' }) });
      expect(team.status).toBe(200);
      const keyRes = await fetch(`${gw.url}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ team_id: 'team-dd' }) });
      const teamKey = ((await keyRes.json()) as { key: string }).key;
      const teamCall = await chat(gw.url, teamKey, 'gpt-4o-mini', 'team call');
      const globalCall = await chat(gw.url, MASTER_KEY, 'gpt-4o-mini', 'admin call');
      const teamLog = await until(() => logFor(teamAgent, teamCall.id));
      await until(() => logFor(globalIntake, globalCall.id));
      expect(teamLog.ddtags).toContain('team:dd-team');
      expect(teamAgent.requests.every((r) => r.headers['dd-api-key'] === TEAM_DD_KEY)).toBe(true);
      expect(logFor(globalIntake, teamCall.id)).toBeUndefined();
      expect(logFor(teamAgent, globalCall.id)).toBeUndefined();
    } finally {
      await gw.close();
      await globalIntake.close();
      await teamAgent.close();
    }
  });
});
