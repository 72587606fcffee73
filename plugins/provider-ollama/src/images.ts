/**
 * `image_url` parts → the bare base64 Ollama wants in `images`. Ollama cannot fetch URLs, so an
 * http(s) image is downloaded here (as LiteLLM does), with the call's abort signal and a size cap.
 */
import type { AbortSignalLike, HttpClient } from '@sluice/plugin-sdk';
import { OllamaErrors } from './ollama-errors.js';

export interface ImageLoader {
  (url: string, signal: AbortSignalLike): Promise<string>;
}

const BASE64 = /^[A-Za-z0-9+/\s]+=*$/;

export function createImageLoader(http: HttpClient, maxBytes: number, timeoutMs: number): ImageLoader {
  return async (url, signal) => {
    if (url.startsWith('data:')) return dataUrlToBase64(url);
    if (/^https?:\/\//i.test(url)) return download(http, url, signal, maxBytes, timeoutMs);
    // LiteLLM also accepts bare base64 in `url`.
    if (BASE64.test(url)) return url.replace(/\s+/g, '');
    throw OllamaErrors.IMAGE_UNREADABLE({ reason: 'image_url.url must be a data: URL, an http(s) URL or base64' });
  };
}

function dataUrlToBase64(url: string): string {
  const comma = url.indexOf(',');
  if (comma === -1) throw OllamaErrors.IMAGE_UNREADABLE({ reason: 'a data: URL without a comma' });
  const meta = url.slice(5, comma);
  const data = url.slice(comma + 1);
  if (/;base64$/i.test(meta)) return data;
  return Buffer.from(decodeURIComponent(data), 'utf8').toString('base64');
}

async function download(http: HttpClient, url: string, signal: AbortSignalLike, maxBytes: number, timeoutMs: number): Promise<string> {
  // The URL itself may be signed: errors name only its host.
  const host = new URL(url).host;
  let res;
  try {
    res = await http.request(url, { method: 'GET', headers: { accept: 'image/*' }, signal, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs });
  } catch (err) {
    if (signal.aborted) throw err;
    throw OllamaErrors.IMAGE_UNREADABLE({ reason: `${host} could not be reached` }, { cause: err });
  }
  if (res.status !== 200) {
    await res.body.text().catch(() => undefined);
    throw OllamaErrors.IMAGE_UNREADABLE({ reason: `${host} answered ${res.status}` });
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const bytes of res.body) {
    size += bytes.byteLength;
    if (size > maxBytes) throw OllamaErrors.IMAGE_UNREADABLE({ reason: `the image at ${host} is larger than ${maxBytes} bytes` });
    parts.push(Buffer.from(bytes));
  }
  return Buffer.concat(parts).toString('base64');
}
