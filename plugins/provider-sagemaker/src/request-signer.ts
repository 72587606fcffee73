/**
 * AWS SigV4 for SageMaker runtime requests (service `sagemaker`). The signer is built once per
 * deployment; each request is signed anew because the signature covers the time and the body.
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
  /** The headers to send with `body` to `url`: `base` plus the SigV4 ones. */
  headersFor(url: URL, body: string, base: Readonly<Record<string, string>>): Promise<Record<string, string>>;
}

export function sigV4Signer(region: string, credentials: AwsCredentials): RequestSigner {
  const signer = new SignatureV4({
    service: 'sagemaker',
    region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
    sha256: Sha256,
  });
  return {
    async headersFor(url, body, base) {
      const query: Record<string, string> = {};
      url.searchParams.forEach((v, k) => (query[k] = v));
      const request = new HttpRequest({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query,
        // The host undici sends (default ports omitted, as URL.host does) is part of what is signed.
        // The payload hash is computed natively: the signer would otherwise hash the body in JavaScript.
        headers: { ...base, host: url.host, 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') },
        body,
      });
      const signed = await signer.sign(request);
      const { host: _host, ...headers } = signed.headers;
      return headers;
    },
  };
}
