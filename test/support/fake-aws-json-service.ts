/**
 * A local AWS service speaking the JSON 1.1 protocol as the SDK calls it (Secrets Manager, KMS):
 * `POST /` with `content-type: application/x-amz-json-1.1` and `X-Amz-Target: <prefix>.<Operation>`,
 * every request SigV4-verified (test/support/aws-sigv4-verifier.ts) against the credentials the
 * test registered (long-term keys, or session credentials a fake STS issued). Errors are answered as
 * AWS does: status 400 (or the given one), `x-amzn-errortype` and `{"__type", "message"}`.
 *
 * `down = true` makes it stop answering (each connection is reset), for outage tests.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4, type KnownCredentials } from './aws-sigv4-verifier.js';

/** Credentials a fake AWS accepts, by access key id; shared by the fakes of one test (STS adds to it). */
export class AwsCredentialRegistry {
  readonly #known = new Map<string, KnownCredentials>();
  add(creds: KnownCredentials): KnownCredentials {
    this.#known.set(creds.accessKeyId, creds);
    return creds;
  }
  get(accessKeyId: string): KnownCredentials | undefined {
    return this.#known.get(accessKeyId);
  }
}

/** An AWS error a handler throws: `{"__type": type, "message": message}` with `status`. */
export class AwsServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface AwsJsonCall {
  operation: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** The access key id that signed the request. */
  accessKeyId: string;
}

export type AwsJsonHandler = (body: Record<string, unknown>, call: AwsJsonCall) => unknown;

export interface FakeAwsJsonServiceOptions {
  /** SigV4 service name, e.g. `secretsmanager`, `kms`. */
  signingName: string;
  /** X-Amz-Target prefix, e.g. `secretsmanager`, `TrentService`. */
  targetPrefix: string;
  region: string;
  credentials: AwsCredentialRegistry;
  handlers: Record<string, AwsJsonHandler>;
}

export interface FakeAwsJsonService {
  url: string;
  /** Every verified call, in order. */
  calls: AwsJsonCall[];
  /** Requests refused before reaching a handler (bad signature, protocol), with the reason. */
  refused: string[];
  /** When true, every connection is reset without an answer. */
  down: boolean;
  close(): Promise<void>;
}

export async function startFakeAwsJsonService(opts: FakeAwsJsonServiceOptions): Promise<FakeAwsJsonService> {
  const fake: FakeAwsJsonService = { url: '', calls: [], refused: [], down: false, close: async () => undefined };
  const send = (res: import('node:http').ServerResponse, status: number, body: unknown, type?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': crypto.randomUUID() };
    if (type) headers['x-amzn-errortype'] = type;
    res.writeHead(status, headers);
    res.end(JSON.stringify(body));
  };
  const refuse = (res: import('node:http').ServerResponse, status: number, type: string, message: string) => {
    fake.refused.push(`${type}: ${message}`);
    send(res, status, { __type: type, message }, type);
  };
  const server: Server = createServer((req, res) => {
    if (fake.down) {
      req.socket.destroy();
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(parts);
        if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/') {
          return refuse(res, 404, 'UnknownOperationException', `${req.method} ${req.url} is not an AWS JSON endpoint`);
        }
        const contentType = String(req.headers['content-type'] ?? '');
        if (!contentType.startsWith('application/x-amz-json-1.1')) {
          return refuse(res, 400, 'SerializationException', `content-type must be application/x-amz-json-1.1, got ${contentType || 'none'}`);
        }
        const target = String(req.headers['x-amz-target'] ?? '');
        const [prefix, operation] = target.split('.');
        if (prefix !== opts.targetPrefix || !operation) {
          return refuse(res, 400, 'UnknownOperationException', `X-Amz-Target ${target || '(none)'} is not ${opts.targetPrefix}.<Operation>`);
        }
        const keyId = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
        const known = opts.credentials.get(keyId);
        if (!known) return refuse(res, 400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
        const verdict = await verifySigV4({ method: 'POST', url: req.url ?? '/', headers: req.headers, body: raw }, known, opts.region, opts.signingName);
        if (!verdict.ok) return refuse(res, verdict.errorType === 'MissingAuthenticationTokenException' ? 403 : 400, verdict.errorType, verdict.message);
        if (!verdict.signedHeaders.includes('x-amz-target')) return refuse(res, 400, 'InvalidSignatureException', 'X-Amz-Target must be signed.');
        let body: Record<string, unknown>;
        try {
          body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
        } catch {
          return refuse(res, 400, 'SerializationException', 'the body is not JSON');
        }
        const handler = opts.handlers[operation];
        if (!handler) return refuse(res, 400, 'UnknownOperationException', `${operation} is not implemented by this fake`);
        const call: AwsJsonCall = { operation, body, headers: req.headers, accessKeyId: keyId };
        fake.calls.push(call);
        try {
          send(res, 200, (await handler(body, call)) ?? {});
        } catch (err) {
          if (err instanceof AwsServiceError) send(res, err.status, { __type: err.type, message: err.message }, err.type);
          else send(res, 500, { __type: 'InternalFailure', message: String(err) }, 'InternalFailure');
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

/** A JSON body field the handler requires, as AWS validates it. */
export function requiredString(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (typeof v !== 'string' || !v) throw new AwsServiceError('ValidationException', `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must not be null`);
  return v;
}
