/**
 * LiteLLM's `blocked_user_check` callback: a request whose `user_id` or `user` is on the blocked
 * list is refused before anything else looks at it (stage SECURITY), so no provider is called and
 * no budget is touched. The list is a Set built once at load; a customer unblocked through the
 * management API (`/customer/unblock`, `/user/unblock`) leaves it on every instance, as LiteLLM's
 * unblock removes it from `blocked_user_list`.
 */
import { definePlugin, definePluginErrors, type JsonObject } from '@sluice/plugin-sdk';
import type { GuardrailBlockedUsersConfig } from './config.generated.js';
import { readListSetting } from '@sluice/plugin-sdk/node';

/** governance-tenancy announces unblocked customers here as JSON `{ userIds }` (its src/customer-unblock.ts). */
const CUSTOMER_UNBLOCK_CHANNEL = 'governance:customer-unblock';

/** LiteLLM answers 400 with this message (its HTTPException carries no type or param: "None"). */
const BlockedUserErrors = definePluginErrors('BLOCKED_USER', {
  BLOCKED: { status: 400, type: 'bad_request_error', param: 'None', message: 'User blocked from making LLM API Calls. User={user}' },
});

/**
 * LiteLLM reads `user_id` first and falls back to `user`; both are checked here, so a blocked
 * end user cannot slip through by also sending an unblocked `user_id`.
 */
const USER_FIELDS = ['user_id', 'user'] as const;

function blockedUserOf(body: JsonObject, blocked: ReadonlySet<string>): string | undefined {
  for (const field of USER_FIELDS) {
    const value = body[field];
    if (typeof value === 'string' && blocked.has(value)) return value;
  }
  return undefined;
}

export default definePlugin<GuardrailBlockedUsersConfig>({
  id: 'guardrail-blocked-users',
  version: '1.0.0',
  apiVersion: '^2',
  async setup(ctx, config) {
    const blocked = new Set(readListSetting('blocked_user_list', config.blocked_user_list));
    const unsubscribe = await ctx.counters.subscribe(CUSTOMER_UNBLOCK_CHANNEL, (message) => {
      try {
        const { userIds } = JSON.parse(message) as { userIds: string[] };
        for (const id of userIds) if (blocked.delete(id)) ctx.log.info({ user: id }, 'user unblocked: removed from the blocked user list');
      } catch {
        ctx.log.warn('ignored a malformed unblock message');
      }
    });
    if (blocked.size === 0) {
      ctx.log.warn('blocked_user_check is enabled but litellm_settings.blocked_user_list is empty: no user is blocked');
    } else {
      ctx.log.info({ users: blocked.size }, 'blocked user list loaded');
    }
    return {
      async preCall(call) {
        const user = blockedUserOf(call.body, blocked);
        if (user !== undefined) throw BlockedUserErrors.BLOCKED({ user });
      },
      close: unsubscribe,
    };
  },
});
