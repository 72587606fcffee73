/**
 * A local AWS STS speaking the query protocol as the SDK calls it: `POST /` with a form body
 * (`Action=AssumeRole&Version=2011-06-15&RoleArn=…`), answered in XML. AssumeRole is SigV4-verified
 * against the registry's credentials and checks the role's trust (its external id); 
 * AssumeRoleWithWebIdentity is unsigned, as in AWS, and checks the web identity token. Each
 * answer issues fresh session credentials and registers them with the registry, so the other
 * fakes (Secrets Manager, KMS) accept requests signed with them, and only with them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySigV4, type KnownCredentials } from './aws-sigv4-verifier.js';
import type { AwsCredentialRegistry } from './fake-aws-json-service.js';

export interface FakeRole {
  arn: string;
  /** AssumeRole must carry this ExternalId (the trust policy's sts:ExternalId condition). */
  externalId?: string;
  /** AssumeRoleWithWebIdentity must carry this token. */
  webIdentityToken?: string;
}

export interface StsCall {
  action: string;
  params: Record<string, string>;
  /** The access key id that signed it (AssumeRole). */
  signedBy?: string;
  issued?: KnownCredentials;
}

export interface FakeSts {
  url: string;
  calls: StsCall[];
  refused: string[];
  close(): Promise<void>;
}

export async function startFakeSts(opts: { region: string; credentials: AwsCredentialRegistry; roles: FakeRole[]; durationSeconds?: number }): Promise<FakeSts> {
  const fake: FakeSts = { url: '', calls: [], refused: [], close: async () => undefined };
  const xmlError = (res: ServerResponse, status: number, code: string, message: string) => {
    fake.refused.push(`${code}: ${message}`);
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );
  };
  const issue = (action: string, role: FakeRole, session: string): { xml: string; creds: KnownCredentials } => {
    const creds = opts.credentials.add({
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
    });
    const expiration = new Date(Date.now() + (opts.durationSeconds ?? 3600) * 1000).toISOString();
    const roleName = role.arn.split('/').pop();
    const xml =
      `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>` +
      (action === 'AssumeRoleWithWebIdentity' ? '<SubjectFromWebIdentityToken>system:serviceaccount:default:sluice</SubjectFromWebIdentityToken>' : '') +
      `<AssumedRoleUser><AssumedRoleId>AROA${randomBytes(6).toString('hex').toUpperCase()}:${escapeXml(session)}</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/${roleName}/${escapeXml(session)}</Arn></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>${creds.accessKeyId}</AccessKeyId><SecretAccessKey>${escapeXml(creds.secretAccessKey)}</SecretAccessKey><SessionToken>${escapeXml(creds.sessionToken!)}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
      `</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
    return { xml, creds };
  };
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(parts);
        if (req.method !== 'POST' || !String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
          return xmlError(res, 400, 'InvalidAction', `expected a form POST, got ${req.method} ${req.headers['content-type'] ?? ''}`);
        }
        const params = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
        if (params.Version !== '2011-06-15') return xmlError(res, 400, 'InvalidAction', `Version must be 2011-06-15, got ${params.Version}`);
        const call: StsCall = { action: params.Action ?? '', params };
        const role = opts.roles.find((r) => r.arn === params.RoleArn);
        if (!params.RoleSessionName) return xmlError(res, 400, 'ValidationError', "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
        if (params.Action === 'AssumeRole') {
          const keyId = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
          const known = opts.credentials.get(keyId);
          if (!known) return xmlError(res, 403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
          const verdict = await verifySigV4({ method: 'POST', url: req.url ?? '/', headers: req.headers, body: raw }, known, opts.region, 'sts');
          if (!verdict.ok) return xmlError(res, 403, 'SignatureDoesNotMatch', verdict.message);
          call.signedBy = keyId;
          if (!role || (role.externalId !== undefined && params.ExternalId !== role.externalId)) {
            fake.calls.push(call);
            return xmlError(res, 403, 'AccessDenied', `User: arn:aws:iam::123456789012:user/sluice is not authorized to perform: sts:AssumeRole on resource: ${params.RoleArn}`);
          }
        } else if (params.Action === 'AssumeRoleWithWebIdentity') {
          if (!role || role.webIdentityToken === undefined || params.WebIdentityToken !== role.webIdentityToken) {
            fake.calls.push(call);
            return xmlError(res, 403, 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
          }
        } else {
          return xmlError(res, 400, 'InvalidAction', `Could not find operation ${params.Action}`);
        }
        const { xml, creds } = issue(params.Action, role, params.RoleSessionName);
        call.issued = creds;
        fake.calls.push(call);
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(xml);
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

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
