/**
 * Requests this plugin refuses before calling Anthropic: 400s the client can fix. They are coded
 * verdicts (ANTHROPIC_*), not upstream errors, so the client sees them with their own status.
 */
import { definePluginErrors } from '@sluice/plugin-sdk';

export const AnthropicRequestErrors = definePluginErrors('ANTHROPIC', {
  UNSUPPORTED_PARAMS: {
    status: 400,
    type: 'invalid_request_error',
    message: 'anthropic does not support the parameters: {params}. Remove them, or set drop_params: true (litellm_settings or the deployment\'s litellm_params) to drop them.',
  },
  INVALID_REQUEST: { status: 400, type: 'invalid_request_error', message: '{detail}' },
});

/** Refuses one part of the request; `param` is its path, e.g. `messages[2].content[1]`. */
export function invalid(param: string, detail: string): Error {
  return AnthropicRequestErrors.INVALID_REQUEST({ detail: `${param}: ${detail}` }, { param });
}
