/** Starts a gateway for a test on a random port with its own temp data dir, and captures its logs. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { SluiceConfig } from '../../schemas/generated/config.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../kernel/gateway.js';

export const MASTER_KEY = 'sk-test-master-1234';

export interface TestGateway {
  gateway: Gateway;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Every log line written so far. */
  logs: string[];
  close(): Promise<void>;
}

export function tempDir(prefix = 'sluice-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** `host`: where it listens (`::` for a dual-stack socket, where IPv4 clients show up as `::ffff:…`). */
export async function startGateway(config: SluiceConfig, opts: Omit<GatewayOptions, 'config'> = {}, host = '127.0.0.1'): Promise<TestGateway> {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const withStorage: SluiceConfig = { ...config, storage: { data_dir: tempDir(), ...config.storage } };
  const env = { ...process.env, DATABASE_URL: '', REDIS_URL: '', SLUICE_MASTER_KEY: '', LITELLM_MASTER_KEY: '', ...opts.env };
  const gateway = await createGateway({ ...opts, config: withStorage, env, logDestination: destination, logLevel: opts.logLevel ?? 'debug' });
  const address = await gateway.listen(0, host);
  return { gateway, url: address, logs, close: () => gateway.close() };
}

/** A config whose `gpt-4o-mini` (and `text-embedding-3-small`) go to `upstreamUrl`. */
export function proxyConfig(upstreamUrl: string, extra: Partial<SluiceConfig> = {}): SluiceConfig {
  return {
    model_list: [
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: upstreamUrl, api_key: 'sk-upstream-secret-9876', timeout: 2 } },
      { model_name: 'text-embedding-3-small', litellm_params: { model: 'openai/text-embedding-3-small', api_base: upstreamUrl, api_key: 'sk-upstream-secret-9876' } },
      { model_name: 'fake-model', litellm_params: { model: 'fake/fake-model' } },
    ],
    general_settings: { master_key: MASTER_KEY },
    ...extra,
  };
}
