/**
 * When a call is really over. For a stream that is when its last byte was relayed (or the client
 * went away), not when the attempt resolved with the headers: least-busy must count a streaming
 * call as busy for as long as it streams, which is most of an LLM call.
 */
import type { Readable } from 'node:stream';
import type { ProviderResponse } from '../../../plugin-sdk/index.js';

/** The response, with `onEnd` called once when it is over; at once for a JSON response. */
export function withEnd(response: ProviderResponse, onEnd: () => void): ProviderResponse {
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    onEnd();
  };
  if (response.kind === 'json') {
    end();
    return response;
  }
  if (response.kind === 'sse') {
    const body = response.body;
    if (isReadable(body)) {
      // A Node stream closes after its end, an error or a destroy: no wrapper on the chunk path,
      // and the kernel keeps relaying it with its 'data'-event pump.
      if (body.destroyed) end();
      else body.once('close', end);
      return response;
    }
    return { ...response, body: guarded(body, end) };
  }
  return { ...response, batches: guarded(response.batches, end) };
}

async function* guarded<T>(source: AsyncIterable<T>, end: () => void): AsyncGenerator<T> {
  try {
    yield* source;
  } finally {
    end();
  }
}

function isReadable(body: AsyncIterable<Uint8Array>): body is Readable {
  return typeof (body as Readable).once === 'function' && typeof (body as Readable).pause === 'function';
}
