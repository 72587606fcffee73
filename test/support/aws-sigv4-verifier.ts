/**
 * What AWS (Bedrock, SageMaker…) does with every request: recompute its SigV4 signature from what actually arrived
 * (method, path, query, the signed headers, the body) and the caller's known secret key, and
 * refuse it unless the signatures agree.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface KnownCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface ReceivedForSigning {
  method: string;
  /** Path and query exactly as received (still percent-encoded). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type Verdict = { ok: true; signedHeaders: string[] } | { ok: false; errorType: string; message: string };

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

export async function verifySigV4(req: ReceivedForSigning, known: KnownCredentials, region: string, service: string): Promise<Verdict> {
  const auth = header(req.headers, 'authorization');
  const m = auth ? AUTHORIZATION.exec(auth) : null;
  if (!m) return fail('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const [, keyId, scopeDate, scopeRegion, scopeService, signedList] = m as unknown as string[];
  if (keyId !== known.accessKeyId) return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (scopeRegion !== region || scopeService !== service) {
    return fail('InvalidSignatureException', `Credential should be scoped to a valid region and service (${region}/${service}), not ${scopeRegion}/${scopeService}.`);
  }
  const signedHeaders = signedList!.split(';');
  for (const required of ['host', 'x-amz-date']) {
    if (!signedHeaders.includes(required)) return fail('InvalidSignatureException', `The ${required} header must be signed.`);
  }
  const amzDate = header(req.headers, 'x-amz-date') ?? '';
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!date || amzDate.slice(0, 8) !== scopeDate) return fail('InvalidSignatureException', 'x-amz-date is missing or does not match the credential scope.');
  const [, y, mo, d, h, mi, s] = date.map(Number) as number[];
  const signingDate = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));

  const token = header(req.headers, 'x-amz-security-token');
  if (known.sessionToken !== undefined && (token !== known.sessionToken || !signedHeaders.includes('x-amz-security-token'))) {
    return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  const payloadHash = header(req.headers, 'x-amz-content-sha256');
  if (payloadHash !== undefined && payloadHash !== createHash('sha256').update(req.body).digest('hex')) {
    return fail('InvalidSignatureException', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = header(req.headers, name);
    if (value === undefined) return fail('InvalidSignatureException', `The signed header ${name} is missing from the request.`);
    headers[name] = value;
  }
  const url = new URL(req.url, 'http://placeholder');
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => (query[k] = v));
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId: known.accessKeyId, secretAccessKey: known.secretAccessKey, sessionToken: token },
    sha256: Sha256,
    applyChecksum: signedHeaders.includes('x-amz-content-sha256'),
  });
  const expected = await signer.sign(
    new HttpRequest({ method: req.method, hostname: 'placeholder', path: url.pathname, query, headers, body: req.body }),
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  if (expected.headers.authorization !== auth) {
    return fail(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
  return { ok: true, signedHeaders };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function fail(errorType: string, message: string): Verdict {
  return { ok: false, errorType, message };
}
