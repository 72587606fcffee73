/** The minimum a request needs before it reaches plugins: the OpenAI-required fields, typed right. */
import type { JsonObject, Endpoint } from '@sluice/plugin-sdk';
import { KernelErrors } from '../errors.js';

export function validateBody(endpoint: Endpoint, body: unknown): JsonObject {
  if (body === undefined || body === null) throw KernelErrors.REQUEST_MISSING_PARAM({ param: 'model' }, { param: 'model' });
  if (typeof body !== 'object' || Array.isArray(body)) throw KernelErrors.REQUEST_NOT_OBJECT();
  const b = body as JsonObject;
  if (b.model === undefined || b.model === null || b.model === '') throw KernelErrors.REQUEST_MISSING_PARAM({ param: 'model' }, { param: 'model' });
  if (typeof b.model !== 'string') throw KernelErrors.REQUEST_INVALID_PARAM({ param: 'model', reason: 'expected a string.' }, { param: 'model' });
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean') {
    throw KernelErrors.REQUEST_INVALID_PARAM({ param: 'stream', reason: 'expected a boolean.' }, { param: 'stream' });
  }
  switch (endpoint) {
    case 'chat': {
      if (b.messages === undefined) throw KernelErrors.REQUEST_MISSING_PARAM({ param: 'messages' }, { param: 'messages' });
      if (!Array.isArray(b.messages)) throw KernelErrors.REQUEST_INVALID_PARAM({ param: 'messages', reason: 'expected an array.' }, { param: 'messages' });
      if (b.messages.length === 0) {
        throw KernelErrors.REQUEST_INVALID_PARAM({ param: 'messages', reason: 'expected an array with minimum length 1, but got an empty array instead.' }, { param: 'messages' });
      }
      for (let i = 0; i < b.messages.length; i++) {
        const m = b.messages[i];
        if (!m || typeof m !== 'object' || Array.isArray(m) || typeof (m as JsonObject).role !== 'string') {
          throw KernelErrors.REQUEST_INVALID_PARAM({ param: `messages[${i}]`, reason: "expected an object with a string 'role'." }, { param: `messages[${i}]` });
        }
      }
      break;
    }
    case 'completions':
      if (b.prompt === undefined || b.prompt === null) throw KernelErrors.REQUEST_MISSING_PARAM({ param: 'prompt' }, { param: 'prompt' });
      break;
    case 'embeddings':
      if (b.input === undefined || b.input === null) throw KernelErrors.REQUEST_MISSING_PARAM({ param: 'input' }, { param: 'input' });
      if (typeof b.input !== 'string' && !Array.isArray(b.input)) {
        throw KernelErrors.REQUEST_INVALID_PARAM({ param: 'input', reason: 'expected a string or an array.' }, { param: 'input' });
      }
      break;
    case 'rerank':
      if (b.query === undefined || b.query === null) throw KernelErrors.REQUEST_MISSING_PARAM({ param: 'query' }, { param: 'query' });
      if (typeof b.query !== 'string') throw KernelErrors.REQUEST_INVALID_PARAM({ param: 'query', reason: 'expected a string.' }, { param: 'query' });
      if (b.documents === undefined || b.documents === null) throw KernelErrors.REQUEST_MISSING_PARAM({ param: 'documents' }, { param: 'documents' });
      if (!Array.isArray(b.documents)) throw KernelErrors.REQUEST_INVALID_PARAM({ param: 'documents', reason: 'expected an array.' }, { param: 'documents' });
      for (let i = 0; i < b.documents.length; i++) {
        const d = b.documents[i];
        if (typeof d !== 'string' && (!d || typeof d !== 'object' || Array.isArray(d))) {
          throw KernelErrors.REQUEST_INVALID_PARAM({ param: `documents[${i}]`, reason: 'expected a string or an object.' }, { param: `documents[${i}]` });
        }
      }
      if (b.top_n !== undefined && b.top_n !== null && (typeof b.top_n !== 'number' || !Number.isInteger(b.top_n) || b.top_n < 1)) {
        throw KernelErrors.REQUEST_INVALID_PARAM({ param: 'top_n', reason: 'expected a positive integer.' }, { param: 'top_n' });
      }
      break;
  }
  return b;
}
