import { definePluginErrors } from '@sluice/plugin-sdk';

export const IpAllowlistErrors = definePluginErrors('ACCESS_IP', {
  /** LiteLLM's documented answer (docs/proxy/ip_address.md): auth_error, param None, code 403. */
  NOT_ALLOWED: { status: 403, type: 'auth_error', param: 'None', message: 'Access forbidden: IP address not allowed.' },
});
