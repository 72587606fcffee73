import type { Counters } from '@sluice/plugin-sdk';
import type { Logger } from '../logging/create-logger.js';
import { FailoverCounters } from './failover-counters.js';
import { MemoryCounters } from '@sluice/plugin-sdk/node';
import { RedisCounters } from './redis-counters.js';
import { redactPassword } from '../net/redact-url.js';

const CONNECT_TIMEOUT_MS = 2_000;

/**
 * Redis counters when `redisUrl` is set (connected before returning, so a wrong URL fails at
 * startup rather than on the first request; falling back to in-process counters during a later
 * outage), in-process counters otherwise.
 */
export async function openCounters(opts: { redisUrl?: string; log?: Pick<Logger, 'warn' | 'info'> }): Promise<Counters> {
  if (!opts.redisUrl) return new MemoryCounters();
  const counters = new RedisCounters({ url: opts.redisUrl, connectTimeoutMs: CONNECT_TIMEOUT_MS });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
  });
  try {
    await Promise.race([counters.connect(), timeout]);
    return opts.log ? new FailoverCounters(counters, opts.log) : counters;
  } catch (err) {
    await counters.close();
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`Cannot connect to Redis at ${redactPassword(opts.redisUrl)}: ${reason}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
