/**
 * LiteLLM's `_PROXY_CacheControlCheck` answers a control the key may not use with HTTPException 403,
 * which its proxy turns into `{"error": {"message": <detail>, "type": "None", "param": "None", "code": "403"}}`.
 */
import { definePluginErrors } from '@sluice/plugin-sdk';

export const CacheErrors = definePluginErrors('RESPONSE_CACHE', {
  CONTROL_NOT_ALLOWED: {
    status: 403,
    type: 'None',
    param: 'None',
    message: 'Not allowed to set {control} as a cache control. Contact admin to change permissions.',
  },
  BAD_DELETE_REQUEST: {
    status: 400,
    type: 'invalid_request_error',
    param: 'keys',
    message: 'Cache Delete Failed(keys must be a list of cache keys)',
  },
  UNHEALTHY: {
    status: 503,
    type: 'service_unavailable',
    param: 'None',
    message: 'Service Unhealthy ({detail})',
  },
});
