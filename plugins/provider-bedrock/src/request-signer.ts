/**
 * How a request to Bedrock authenticates: AWS SigV4 (access key pair, optional session token) or
 * a Bedrock API key sent as `Authorization: Bearer`. Built once per deployment; SigV4 has to sign
 * every request anew because the signature covers the time and the body.
 */
import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string | undefined;
}

export interface RequestSigner {
  /** The headers to send with `body` to `path` on the deployment's endpoint: `base` plus auth. */
  headersFor(path: string, body: string, base: Readonly<Record<string, string>>): Promise<Record<string, string>>;
  /** The same for any request to any Bedrock host (pass-through): `url` is the full target, `body` the exact bytes sent. */
  headersForRequest(method: string, url: URL, body: Uint8Array, base: Readonly<Record<string, string>>): Promise<Record<string, string>>;
}

export function bearerSigner(token: string): RequestSigner {
  const authorization = `Bearer ${token}`;
  return { headersFor: async (_path, _body, base) => ({ ...base, authorization }), headersForRequest: async (_m, _url, _body, base) => ({ ...base, authorization }) };
}

export function sigV4Signer(endpoint: URL, region: string, credentials: AwsCredentials): RequestSigner {
  const signer = new SignatureV4({
    service: 'bedrock',
    region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
    sha256: Sha256,
  });
  // The host undici will send (it omits default ports, as URL.host does); it is part of what is signed.
  const host = endpoint.host;
  const protocol = endpoint.protocol;
  const hostname = endpoint.hostname;
  const port = endpoint.port ? Number(endpoint.port) : undefined;
  return {
    async headersFor(path, body, base) {
      const request = new HttpRequest({
        method: 'POST',
        protocol,
        hostname,
        port,
        path,
        // The payload hash is computed natively here: the signer would otherwise hash the whole
        // body (megabytes with images) in pure JavaScript. It uses a header it finds as given.
        headers: { ...base, host, 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') },
        body,
      });
      const signed = await signer.sign(request);
      const { host: _host, ...headers } = signed.headers;
      return headers;
    },
    async headersForRequest(method, url, body, base) {
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of url.searchParams) {
        const seen = query[k];
        query[k] = seen === undefined ? v : [seen, v].flat();
      }
      const request = new HttpRequest({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        // Still percent-encoded as it will be sent; the signer encodes it once more, as AWS does.
        path: url.pathname,
        query,
        headers: { ...base, host: url.host, 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') },
        body,
      });
      const signed = await signer.sign(request);
      const { host: _host, ...headers } = signed.headers;
      return headers;
    },
  };
}
