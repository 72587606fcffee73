/**
 * A local Google for the tests: the OAuth token endpoint of a service account (JWT-bearer grant,
 * assertion signature checked against the account's public key) and Cloud Natural Language
 * `POST /v1/documents:moderateText` (credentials, content type and body shape checked as Google
 * would). Confidences come from markers in the text: `[Toxic=0.9]` sets the Toxic category,
 * `[Death, Harm & Tragedy=0.5]` the one with that display name; every other category is 0.01.
 */
import { createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Google's v1 display names, in the order it lists them. */
export const CATEGORY_NAMES = [
  'Toxic', 'Insult', 'Profanity', 'Derogatory', 'Sexual', 'Death, Harm & Tragedy', 'Violent', 'Firearms & Weapons',
  'Public Safety', 'Health', 'Religion & Belief', 'Illicit Drugs', 'War & Conflict', 'Politics', 'Finance', 'Legal',
];

export interface FakeGoogle {
  url: string;
  tokenUri: string;
  /** Service-account key JSON whose token_uri is this fake. */
  serviceAccount: Record<string, string>;
  apiKey: string;
  moderated: { headers: IncomingHttpHeaders; content: string }[];
  exchanges: number;
  rejected: string[];
  /** Answer moderateText with this instead (status, raw body). */
  failure: { status: number; body: string } | undefined;
  /** Categories beyond Google's current sixteen, as a later API version might add. */
  extraCategories: { name: string; confidence: number }[];
  close(): Promise<void>;
}

const CLIENT_EMAIL = 'moderation@sluice-test.iam.gserviceaccount.com';

function scores(content: string, extra: FakeGoogle['extraCategories']): { name: string; confidence: number }[] {
  const set = new Map<string, number>();
  for (const m of content.matchAll(/\[([^=\]]+)=([0-9.]+)\]/g)) set.set(m[1]!, Number(m[2]));
  return [...CATEGORY_NAMES.map((name) => ({ name, confidence: set.get(name) ?? 0.01 })), ...extra.map((c) => ({ ...c, confidence: set.get(c.name) ?? c.confidence }))];
}

function verifyAssertion(jwt: string, publicKey: KeyObject, tokenUri: string): string | undefined {
  const [h, c, s] = jwt.split('.');
  if (!h || !c || !s) return 'assertion is not a JWT';
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, unknown>;
  if (header.alg !== 'RS256') return `alg ${String(header.alg)}`;
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${c}`), publicKey, Buffer.from(s, 'base64url'))) return 'invalid_grant: Invalid JWT Signature.';
  if (claims.iss !== CLIENT_EMAIL || claims.aud !== tokenUri) return 'invalid_grant: wrong iss or aud';
  if (claims.scope !== 'https://www.googleapis.com/auth/cloud-platform') return `scope ${String(claims.scope)}`;
  const now = Date.now() / 1000;
  if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.iat > now + 60 || claims.exp < now) return 'invalid_grant: bad iat/exp';
  return undefined;
}

export async function startFakeGoogle(): Promise<FakeGoogle> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pub = createPublicKey(publicKey.export({ type: 'spki', format: 'pem' }));
  const issued = new Set<string>();
  const fake: FakeGoogle = {
    url: '',
    tokenUri: '',
    serviceAccount: {},
    apiKey: 'AIza-test-moderation-key',
    moderated: [],
    exchanges: 0,
    rejected: [],
    failure: undefined,
    extraCategories: [],
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      const refuse = (status: number, why: string) => {
        fake.rejected.push(`${req.method} ${req.url}: ${why}`);
        reply(status, { error: { code: status, message: why, status: status === 401 ? 'UNAUTHENTICATED' : 'INVALID_ARGUMENT' } });
      };
      if (req.method === 'POST' && req.url === '/token') {
        if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return refuse(400, 'token request is not a form');
        const form = new URLSearchParams(text);
        if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return refuse(400, 'unsupported_grant_type');
        const problem = verifyAssertion(form.get('assertion') ?? '', pub, fake.tokenUri);
        if (problem) return refuse(400, problem);
        fake.exchanges++;
        const token = `ya29.test-token-${fake.exchanges}`;
        issued.add(token);
        return reply(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
      }
      if (req.method !== 'POST' || req.url !== '/v1/documents:moderateText') return refuse(404, `no route ${req.url}`);
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const keyOk = req.headers['x-goog-api-key'] === fake.apiKey;
      if (!keyOk && !(bearer && issued.has(bearer))) return refuse(401, 'Request had invalid authentication credentials.');
      if (!String(req.headers['content-type']).startsWith('application/json')) return refuse(400, 'content-type');
      let body: { document?: { type?: unknown; content?: unknown } };
      try {
        body = JSON.parse(text);
      } catch {
        return refuse(400, 'Invalid JSON payload received.');
      }
      const doc = body.document;
      if (Object.keys(body).join() !== 'document' || doc?.type !== 'PLAIN_TEXT' || typeof doc.content !== 'string' || Object.keys(doc).sort().join() !== 'content,type') {
        return refuse(400, `Invalid JSON payload received: ${text}`);
      }
      fake.moderated.push({ headers: req.headers, content: doc.content });
      if (fake.failure) return reply(fake.failure.status, fake.failure.body);
      reply(200, { moderationCategories: scores(doc.content, fake.extraCategories), languageCode: 'en', languageSupported: true });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.tokenUri = `${fake.url}/token`;
  fake.serviceAccount = {
    type: 'service_account',
    project_id: 'sluice-test',
    private_key_id: 'key-1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    client_email: CLIENT_EMAIL,
    token_uri: fake.tokenUri,
  };
  fake.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
