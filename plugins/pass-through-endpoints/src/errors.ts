import { definePluginErrors } from '@sluice/plugin-sdk';

/**
 * LiteLLM answers a failed forward (target down, timed out) with a ProxyException of status 500
 * carrying the exception's text; upstream 4xx/5xx answers are relayed as they came, not wrapped.
 */
export const PassThroughErrors = definePluginErrors('PASS_THROUGH', {
  UNREACHABLE: {
    status: 500,
    type: 'api_error',
    message: 'Pass-through endpoint {path}: could not reach {target}: {detail}',
  },
  TIMEOUT: {
    status: 500,
    type: 'timeout_error',
    message: 'Pass-through endpoint {path}: {target} did not answer within {seconds}s (timeout)',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    type: 'invalid_request_error',
    message: 'Method {method} is not allowed for pass-through endpoint {path}.',
  },
});
