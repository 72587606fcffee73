/**
 * One round of LiteLLM's KeyRotationManager.process_rotations, run under a distributed lock so
 * that one instance rotates at a time: the due keys are read through `GET /key/list?rotation_due=true`
 * and each is regenerated through `POST /key/{token}/regenerate`, both on the gateway's own
 * management API. governance-tenancy then does what a regeneration does (new hash, grace period
 * for the old one, invalidation on every instance, audit, the secret manager) and, because the
 * caller is this plugin (`plugin:key-rotation`), records `last_rotation_at`, `rotation_count` and
 * the next `key_rotation_at`. A key regenerated meanwhile by someone else answers 404 and is
 * skipped, so a key is never rotated twice for one due time.
 */
import type { ManagementAnswer, PluginContext } from '@sluice/plugin-sdk';

export const LOCK_KEY = 'key-rotation:lock';

export interface RotationJobOptions {
  /** Body `grace_period` of each regeneration; undefined = governance-tenancy's default. */
  gracePeriod?: string;
  lockTtlMs: number;
  pageSize: number;
}

export interface RoundResult {
  /** false when another instance held the lock. */
  ran: boolean;
  due: number;
  rotated: number;
  skipped: number;
  failed: number;
}

interface DueKey {
  token: string;
  key_alias: string | null;
  key_name: string;
}

/** Most keys one round collects (the rest wait for the next round). */
const MAX_KEYS_PER_ROUND = 10_000;

export class RotationJob {
  private running: Promise<RoundResult> | undefined;

  constructor(
    private readonly ctx: PluginContext,
    private readonly options: RotationJobOptions,
  ) {}

  /** One round; a call while one runs joins it. */
  run(): Promise<RoundResult> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves when no round is running (at shutdown). */
  async idle(): Promise<void> {
    await this.running?.catch(() => undefined);
  }

  private async round(): Promise<RoundResult> {
    const result: RoundResult = { ran: false, due: 0, rotated: 0, skipped: 0, failed: 0 };
    const { ctx } = this;
    if (!ctx.management) {
      ctx.log.warn('key rotation needs the gateway management client, which this gateway does not provide; no key rotated');
      return result;
    }
    const lock = await ctx.counters.acquireLock(LOCK_KEY, this.options.lockTtlMs);
    if (lock === null) {
      ctx.log.debug('key rotation: another instance holds the lock; skipping this round');
      return result;
    }
    result.ran = true;
    try {
      const due = await this.dueKeys();
      result.due = due.length;
      for (const key of due) {
        const name = key.key_alias ?? key.key_name;
        const answer = await this.regenerate(key.token);
        if (answer.status === 200) {
          result.rotated++;
          ctx.log.info({ key: name }, 'key rotated');
        } else if (answer.status === 404) {
          // Regenerated or deleted since the list was read: nothing left to rotate.
          result.skipped++;
        } else {
          result.failed++;
          ctx.log.error({ key: name, status: answer.status, error: messageOf(answer) }, 'key rotation failed; retried next round');
        }
      }
    } finally {
      await ctx.counters.releaseLock(LOCK_KEY, lock).catch(() => false);
    }
    if (result.due > 0) ctx.log.info({ ...result }, 'key rotation round done');
    return result;
  }

  private async dueKeys(): Promise<DueKey[]> {
    const out: DueKey[] = [];
    for (let page = 1; out.length < MAX_KEYS_PER_ROUND; page++) {
      const answer = await this.ctx.management!.request({
        method: 'GET',
        path: `/key/list?rotation_due=true&return_full_object=true&size=${this.options.pageSize}&page=${page}`,
      });
      if (answer.status !== 200) throw new Error(`GET /key/list answered ${answer.status}: ${messageOf(answer)}`);
      const body = answer.body as { keys: DueKey[]; total_pages: number };
      out.push(...body.keys);
      if (page >= body.total_pages) break;
    }
    return out;
  }

  private regenerate(token: string): Promise<ManagementAnswer> {
    const body = this.options.gracePeriod ? { grace_period: this.options.gracePeriod } : {};
    return this.ctx.management!.request({ method: 'POST', path: `/key/${encodeURIComponent(token)}/regenerate`, body });
  }
}

function messageOf(answer: ManagementAnswer): string {
  const err = (answer.body as { error?: { message?: string } } | undefined)?.error;
  return err?.message ?? (typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
}
