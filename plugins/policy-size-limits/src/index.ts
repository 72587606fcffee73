/**
 * LiteLLM's `max_request_size_mb` / `max_response_size_mb`. Requests are measured by their
 * Content-Length in preAuth, which runs in fastify's onRequest, so an oversized body is refused
 * before it is read or parsed. Responses are measured as they leave: a whole response by its JSON,
 * a stream by the running total of its chunks, ending it in-band once the total is over.
 *
 * Each hook is tapped only when its limit is set: an untapped postCall keeps streams on the
 * kernel's byte-level relay, and an untapped preAuth costs nothing.
 */
import { definePlugin, definePluginErrors, type ChunkContext, type PluginInstance } from '@sluice/plugin-sdk';
import type { PolicySizeLimitsConfig } from './config.generated.js';
import { pythonConfigNumber, pythonFloatRepr } from './python-float-repr.js';

const SizeLimitErrors = definePluginErrors('SIZE_LIMIT', {
  REQUEST_TOO_LARGE: {
    status: 400,
    type: 'bad_request_error',
    param: 'content-length',
    message: 'Request size is too large. Request size is {size} MB. Max size is {max} MB',
  },
  RESPONSE_TOO_LARGE: {
    status: 400,
    type: 'bad_request_error',
    param: 'content-length',
    message: 'Response size is too large. Response size is {size} MB. Max size is {max} MB',
  },
});

const BYTES_PER_MB = 1024 * 1024;

/** Per-request scratch key: bytes of the stream relayed so far. */
const STREAMED_BYTES = 'policy-size-limits:streamed-bytes';

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

export default definePlugin<PolicySizeLimitsConfig>({
  id: 'policy-size-limits',
  version: '1.0.0',
  apiVersion: '^2',
  setup(ctx, config) {
    const instance: PluginInstance = {};
    const maxRequest = config.max_request_size_mb;
    const maxResponse = config.max_response_size_mb;

    if (maxRequest !== undefined) {
      const shownMax = pythonConfigNumber(maxRequest);
      // Requests without Content-Length (chunked) are bounded by server.body_limit_mb instead.
      instance.preAuth = async (input) => {
        const header = input.headers['content-length'];
        if (typeof header !== 'string') return undefined;
        const sizeMb = Number(header) / BYTES_PER_MB;
        if (sizeMb > maxRequest) throw SizeLimitErrors.REQUEST_TOO_LARGE({ size: pythonFloatRepr(sizeMb), max: shownMax });
        return undefined; // not a credential check: let the auth plugins answer
      };
    }

    if (maxResponse !== undefined) {
      const shownMax = pythonConfigNumber(maxResponse);
      const check = (bytes: number) => {
        const sizeMb = bytes / BYTES_PER_MB;
        if (sizeMb > maxResponse) throw SizeLimitErrors.RESPONSE_TOO_LARGE({ size: pythonFloatRepr(sizeMb), max: shownMax });
      };
      instance.postCall = {
        streaming: 'chunk',
        async response(res) {
          check(jsonBytes(res.response));
        },
        async chunk(c: ChunkContext) {
          if (!c.chunk) return;
          const total = ((c.call.state[STREAMED_BYTES] as number | undefined) ?? 0) + jsonBytes(c.chunk);
          c.call.state[STREAMED_BYTES] = total;
          check(total);
        },
      };
    }

    if (maxRequest !== undefined || maxResponse !== undefined) {
      ctx.log.info({ max_request_size_mb: maxRequest, max_response_size_mb: maxResponse }, 'request/response size limits on');
    }
    return instance;
  },
});
