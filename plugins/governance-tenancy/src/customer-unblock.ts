/**
 * Customers unblocked through the management API (`/customer/unblock`, `/user/unblock`), announced
 * on the counters' pub/sub as a JSON `CustomerUnblock`: a plugin holding its own blocked list
 * (LiteLLM's `blocked_user_list`, guardrail-blocked-users) drops them, as LiteLLM's unblock edits
 * that list. The channel name and message are this plugin's published contract: a subscriber
 * spells them out (plugins share no code but the SDK).
 */
export const CUSTOMER_UNBLOCK_CHANNEL = 'governance:customer-unblock';

export interface CustomerUnblock {
  userIds: string[];
}
