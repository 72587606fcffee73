/**
 * A real SAML 2.0 identity provider for the tests: samlify in IdP role with an RSA key and a
 * self-signed certificate (fixtures/, made with `openssl req -x509 -newkey rsa:2048 -nodes -days
 * 3650 -subj /CN=test-idp`). It parses the gateway's AuthnRequests (HTTP-Redirect binding) and
 * answers signed Responses (HTTP-POST binding); it also serves its SSO URL on loopback, answering
 * the browser with the auto-submitting form a real IdP sends.
 *
 * samlify validates every SAML document it parses against the XSD only through a validator the
 * application installs; the tests install one that accepts everything. It runs on the IdP side
 * only (samlify parsing the gateway's AuthnRequest): the gateway's side is node-saml, which does
 * not use it.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createRequire } from 'node:module';

// Loaded without its type declarations: they pull TypeScript's DOM library (through @xmldom/xmldom)
// into the whole project's type check, which changes Node's global fetch/Headers/Blob types for
// every other test file.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const samlify: any = createRequire(import.meta.url)('samlify');

samlify.setSchemaValidator({ validate: async () => 'skipped: test IdP' });

const FIXTURES = join(import.meta.dirname, 'fixtures');
export const IDP_KEY = readFileSync(join(FIXTURES, 'idp.key'), 'utf8');
export const IDP_CERT = readFileSync(join(FIXTURES, 'idp.crt'), 'utf8');
export const ROGUE_KEY = readFileSync(join(FIXTURES, 'rogue.key'), 'utf8');
export const ROGUE_CERT = readFileSync(join(FIXTURES, 'rogue.crt'), 'utf8');
export const SP_KEY = readFileSync(join(FIXTURES, 'sp.key'), 'utf8');
export const SP_CERT = readFileSync(join(FIXTURES, 'sp.crt'), 'utf8');

const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

export interface TestUser {
  nameId: string;
  /** Attribute name → values (AttributeStatement). */
  attributes?: Record<string, string | string[]>;
}

export interface ResponseOptions {
  /** Template tags to override (`Audience`, `SubjectRecipient`, `Destination`, `InResponseTo`, `ConditionsNotOnOrAfter`…). */
  tags?: Record<string, string>;
  /** `assertion` (default: the SP metadata asks for it), `response` (only the Response is signed), `none`. */
  sign?: 'assertion' | 'response' | 'none';
  /** Sign with the rogue key instead of the IdP's. */
  rogueKey?: boolean;
}

export interface AuthnRequestInfo {
  id: string;
  relayState: string | undefined;
  acsUrl: string | undefined;
  issuer: string | undefined;
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function attributeStatement(attributes: Record<string, string | string[]> | undefined): string {
  if (!attributes || Object.keys(attributes).length === 0) return '';
  const items = Object.entries(attributes).map(([name, value]) => {
    const values = (Array.isArray(value) ? value : [value])
      .map((v) => `<saml:AttributeValue xsi:type="xs:string">${escapeXml(v)}</saml:AttributeValue>`)
      .join('');
    return `<saml:Attribute Name="${escapeXml(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values}</saml:Attribute>`;
  });
  return `<saml:AttributeStatement>${items.join('')}</saml:AttributeStatement>`;
}

export class TestIdp {
  readonly entityId: string;
  private server: Server | undefined;
  private url = '';
  /** Who the loopback SSO endpoint signs in (the "logged in" IdP user). */
  user: TestUser = { nameId: 'alice@example.com', attributes: { email: 'alice@example.com' } };
  /** How many times `GET /metadata` was served. */
  metadataReads = 0;

  /** Verify the signature of AuthnRequests (HTTP-Redirect binding) with the SP metadata's signing certificate. */
  requireSignedRequests = false;

  constructor(entityId = 'https://idp.example.test/metadata') {
    this.entityId = entityId;
  }

  /** Serves `GET /sso` (HTTP-Redirect AuthnRequest in, auto-post form out) and `GET /metadata` on 127.0.0.1. */
  async listen(spMetadata: () => string): Promise<string> {
    this.server = createServer((req, res) => {
      void (async () => {
        try {
          const url = new URL(req.url ?? '/', this.url);
          if (url.pathname === '/metadata') {
            this.metadataReads++;
            res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(this.idp().getMetadata());
            return;
          }
          if (url.pathname !== '/sso') {
            res.writeHead(404).end();
            return;
          }
          const request = await this.parseAuthnRequest(spMetadata(), url.toString());
          const samlResponse = await this.respond(spMetadata(), request, this.user);
          const html =
            `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${escapeXml(request.acsUrl ?? '')}">` +
            `<input type="hidden" name="SAMLResponse" value="${escapeXml(samlResponse)}"/>` +
            (request.relayState !== undefined ? `<input type="hidden" name="RelayState" value="${escapeXml(request.relayState)}"/>` : '') +
            `</form></body></html>`;
          res.writeHead(200, { 'content-type': 'text/html' }).end(html);
        } catch (e) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(String((e as Error).message));
        }
      })();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    this.url = `http://127.0.0.1:${address.port}`;
    return `${this.url}/sso`;
  }

  get metadataUrl(): string {
    return `${this.url}/metadata`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private idp(rogue = false) {
    return samlify.IdentityProvider({
      entityID: this.entityId,
      privateKey: rogue ? ROGUE_KEY : IDP_KEY,
      signingCert: rogue ? ROGUE_CERT : IDP_CERT,
      nameIDFormat: [EMAIL_FORMAT],
      wantAuthnRequestsSigned: this.requireSignedRequests,
      singleSignOnService: [{ Binding: REDIRECT, Location: this.url ? `${this.url}/sso` : 'https://idp.example.test/sso' }],
      requestSignatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    });
  }

  /** Reads the AuthnRequest out of the URL the gateway redirected the browser to. */
  async parseAuthnRequest(spMetadata: string, location: string): Promise<AuthnRequestInfo> {
    const url = new URL(location);
    const query = Object.fromEntries(url.searchParams.entries());
    const sp = samlify.ServiceProvider({ metadata: spMetadata });
    // The redirect binding signs the raw query string: SAMLRequest, RelayState, SigAlg as sent.
    const raw = url.search.slice(1).split('&');
    const octetString = ['SAMLRequest', 'RelayState', 'SigAlg']
      .map((name) => raw.find((p) => p.startsWith(`${name}=`)))
      .filter((p): p is string => p !== undefined)
      .join('&');
    const parsed = await this.idp().parseLoginRequest(sp, 'redirect', { query, octetString });
    const request = (parsed.extract as { request?: { id?: string; assertionConsumerServiceUrl?: string }; issuer?: string }).request;
    if (!request?.id) throw new Error('the AuthnRequest has no ID');
    return {
      id: request.id,
      relayState: query.RelayState,
      acsUrl: request.assertionConsumerServiceUrl,
      issuer: (parsed.extract as { issuer?: string }).issuer,
    };
  }

  /**
   * A base64 SAMLResponse answering `request` for `user`, built from samlify's login response
   * template with `options.tags` overriding any tag, signed as `options.sign` says.
   */
  async respond(spMetadata: string, request: { id: string }, user: TestUser, options: ResponseOptions = {}): Promise<string> {
    const sign = options.sign ?? 'assertion';
    const metaSp = samlify.ServiceProvider({ metadata: spMetadata });
    const acs = metaSp.entityMeta.getAssertionConsumerService('post') as string;
    const spEntityId = metaSp.entityMeta.getEntityID();
    // Same entity and ACS; only what it asks to be signed differs.
    const sp =
      sign === 'response'
        ? samlify.ServiceProvider({ entityID: spEntityId, assertionConsumerService: [{ Binding: POST, Location: acs }], wantAssertionsSigned: false, wantMessageSigned: true })
        : metaSp;
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const tags: Record<string, string> = {
      ID: `_${randomUUID()}`,
      AssertionID: `_${randomUUID()}`,
      Destination: acs,
      Audience: spEntityId,
      SubjectRecipient: acs,
      Issuer: this.entityId,
      IssueInstant: iso(now),
      StatusCode: 'urn:oasis:names:tc:SAML:2.0:status:Success',
      ConditionsNotBefore: iso(now - 1000),
      ConditionsNotOnOrAfter: iso(now + 5 * 60_000),
      SubjectConfirmationDataNotOnOrAfter: iso(now + 5 * 60_000),
      NameIDFormat: EMAIL_FORMAT,
      NameID: user.nameId,
      InResponseTo: request.id,
      AuthnStatement: `<saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="_${randomUUID()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`,
      AttributeStatement: attributeStatement(user.attributes),
      ...options.tags,
    };
    const fill = (template: string) =>
      template.replace(/\{(\w+)\}/g, (whole, name: string) => {
        const value = tags[name];
        if (value === undefined) return whole;
        return name === 'AuthnStatement' || name === 'AttributeStatement' ? value : escapeXml(value);
      });
    if (sign === 'none') {
      return Buffer.from(fill(samlify.SamlLib.defaultLoginResponseTemplate.context), 'utf8').toString('base64');
    }
    const answer = await this.idp(options.rogueKey).createLoginResponse(sp, { extract: { request: { id: request.id } } }, 'post', { email: user.nameId }, {
      customTagReplacement: (template: string) => ({ id: tags.ID!, context: fill(template) }),
    });
    return answer.context;
  }
}

/** The hidden fields and action of the IdP's auto-post form. */
export function readAutoPostForm(html: string): { action: string; fields: Record<string, string> } {
  const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) throw new Error(`no form in: ${html.slice(0, 200)}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)) fields[m[1]!] = unescape(m[2]!);
  return { action: unescape(action), fields };
}
