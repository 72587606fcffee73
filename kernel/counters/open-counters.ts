import type { Counters } from '@sluice/plugin-sdk';
import type { Logger } from '../logging/create-logger.js';
import { FailoverCounters } from './failover-counters.js';
import { MemoryCounters } from '@sluice/plugin-sdk/node';
import { RedisCounters } from './redis-counters.js';
import { redactPassword } from '../net/redact-url.js';

const CONNECT_TIMEOUT_MS = 2_000;

const SILENT: Pick<Logger, 'warn' | 'info'> = { warn: () => {}, info: () => {} };

export interface OpenCountersOptions {
  redisUrl?: string;
  log?: Pick<Logger, 'warn' | 'info'>;
  /** Told (once) when the gateway starts without the Redis it was given: a startup warning. */
  onWarning?: (warning: string) => void;
}

/**
 * Redis counters when `redisUrl` is set, in-process counters otherwise. As LiteLLM starts when its
 * Redis is not up yet, a Redis that cannot be reached at startup does not stop it: the counters
 * run in-process (limits hold per instance) while ioredis keeps reconnecting, and move to Redis
 * once it answers (failover-counters.ts). A URL that can never work (not a URL at all, as a
 * config's `<your redis host>` placeholder) gives in-process counters for good.
 */
export async function openCounters(opts: OpenCountersOptions): Promise<Counters> {
  if (!opts.redisUrl) return new MemoryCounters();
  const where = redactPassword(opts.redisUrl);
  let counters: RedisCounters;
  try {
    counters = new RedisCounters({ url: opts.redisUrl, connectTimeoutMs: CONNECT_TIMEOUT_MS });
  } catch (err) {
    opts.onWarning?.(`Redis at ${where} cannot be used (${reason(err)}); counters (rate limits, budgets, cooldowns) are kept per instance`);
    return new MemoryCounters();
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
  });
  try {
    await Promise.race([counters.connect(), timeout]);
    return opts.log ? new FailoverCounters(counters, opts.log) : counters;
  } catch (err) {
    opts.onWarning?.(
      `Cannot connect to Redis at ${where}: ${reason(err)}. Counters (rate limits, budgets, cooldowns) are kept per instance until it answers; reconnecting in the background`,
    );
    return new FailoverCounters(counters, opts.log ?? SILENT, 1_000, { startedDown: true });
  } finally {
    clearTimeout(timer);
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
