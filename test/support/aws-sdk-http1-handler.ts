/**
 * A request handler for the AWS SDK over plain HTTP/1.1. The runtime clients default to HTTP/2,
 * which a node:http fake cannot speak; the SDK's own HTTP/1.1 handler lives in a package Sluice
 * does not depend on, and this is all it takes: send the signed request, hand back the response
 * stream for the SDK to parse (JSON or event stream).
 */
import { request } from 'node:http';
import { HttpResponse, type HttpRequest } from '@smithy/protocol-http';

export const sdkHttp1Handler = {
  handle(req: HttpRequest): Promise<{ response: HttpResponse }> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) {
      for (const one of Array.isArray(v) ? v : [v]) if (one !== null && one !== undefined) query.append(k, one);
    }
    const qs = query.toString();
    return new Promise((resolve, reject) => {
      const out = request({ method: req.method, host: req.hostname, port: req.port, path: req.path + (qs ? `?${qs}` : ''), headers: req.headers }, (res) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        resolve({ response: new HttpResponse({ statusCode: res.statusCode ?? 0, reason: res.statusMessage, headers, body: res }) });
      });
      out.on('error', reject);
      out.end(req.body as string | Uint8Array | undefined);
    });
  },
  updateHttpClientConfig(): void {},
  httpHandlerConfigs(): Record<string, never> {
    return {};
  },
};
