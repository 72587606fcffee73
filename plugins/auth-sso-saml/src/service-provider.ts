/**
 * The SAML 2.0 service provider: node-saml verifies the XML signatures (assertions must be signed
 * with the IdP's certificate), the validity windows, the audience and that InResponseTo names a
 * request this gateway issued; this module adds what node-saml leaves to the application: the
 * bearer SubjectConfirmation's Recipient and the Response's Destination must be our ACS URL, the
 * assertion's Issuer must be the configured IdP, a request is answered once, and an assertion is
 * used once (remembered until it expires, on every instance).
 */
import { generateServiceProviderMetadata, SAML, ValidateInResponseTo, type Profile } from '@node-saml/node-saml';
import { parseDomFromString, xpath } from '@node-saml/node-saml/lib/xml.js';
import { SamlErrors } from './errors.js';
import type { SamlRequestStore } from './request-store.js';

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

export interface ServiceProviderOptions {
  idpSsoUrl: string;
  idpEntityId?: string;
  /** The IdP's signing certificates; a function when they are refreshed from its metadata. */
  idpCerts: string[] | (() => string[]);
  spEntityId: string;
  acsUrl: string;
  nameIdFormat: string;
  spPrivateKey?: string;
  spCert?: string;
  wantResponseSigned: boolean;
  clockSkewMs: number;
  requestTtlMs: number;
  maxAssertionLifetimeMs: number;
  store: SamlRequestStore;
  now: () => number;
}

/** A verified assertion: who signed in, and the attributes the IdP stated. */
export interface VerifiedLogin {
  issuer: string;
  nameId: string;
  nameIdFormat?: string;
  sessionIndex?: string;
  /** Attribute name → values, as the IdP sent them (one value or several). */
  attributes: Record<string, string[]>;
}

type XmlNode = { $?: Record<string, string>; _?: string; [child: string]: unknown };

function children(node: XmlNode | undefined, name: string): XmlNode[] {
  const value = node?.[name];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}

function text(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object' && typeof (node as XmlNode)._ === 'string') return (node as XmlNode)._;
  return undefined;
}

function instant(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : Number.NaN;
}

const fail = (reason: string) => SamlErrors.AUTHENTICATION_FAILED({ reason });

export class ServiceProvider {
  private readonly saml: SAML;

  constructor(private readonly options: ServiceProviderOptions) {
    this.saml = new SAML({
      entryPoint: options.idpSsoUrl,
      issuer: options.spEntityId,
      callbackUrl: options.acsUrl,
      audience: options.spEntityId,
      idpCert: typeof options.idpCerts === 'function' ? certificateSource(options.idpCerts) : options.idpCerts,
      identifierFormat: options.nameIdFormat,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: options.wantResponseSigned,
      acceptedClockSkewMs: options.clockSkewMs,
      maxAssertionAgeMs: options.maxAssertionLifetimeMs,
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: options.requestTtlMs,
      cacheProvider: options.store.cacheProvider(),
      // An IdP chooses how the user authenticates (password, MFA, passkeys): requesting
      // PasswordProtectedTransport (node-saml's default) makes Entra and Okta refuse MFA logins.
      disableRequestedAuthnContext: true,
      ...(options.spPrivateKey !== undefined && { privateKey: options.spPrivateKey, signatureAlgorithm: 'sha256' as const }),
      ...(options.spCert !== undefined && { publicCert: options.spCert }),
    });
  }

  /** The SP metadata; needs nothing from the IdP, so it is served while the IdP's metadata is unreadable. */
  static metadata(options: Pick<ServiceProviderOptions, 'spEntityId' | 'acsUrl' | 'nameIdFormat' | 'spPrivateKey' | 'spCert'>): string {
    return generateServiceProviderMetadata({
      issuer: options.spEntityId,
      callbackUrl: options.acsUrl,
      identifierFormat: options.nameIdFormat,
      wantAssertionsSigned: true,
      ...(options.spPrivateKey !== undefined && { privateKey: options.spPrivateKey, signatureAlgorithm: 'sha256' as const }),
      publicCerts: options.spCert ?? null,
    });
  }

  /** The IdP URL carrying a fresh AuthnRequest (HTTP-Redirect binding); its ID is remembered for `requestTtlMs`. */
  loginUrl(relayState: string): Promise<string> {
    return this.saml.getAuthorizeUrlAsync(relayState, undefined, {});
  }

  /** Verifies a `SAMLResponse` posted to the ACS; throws `SAML_AUTHENTICATION_FAILED` with the reason. */
  async verify(samlResponse: string): Promise<VerifiedLogin> {
    const destination = await this.responseDestination(samlResponse);
    if (destination !== undefined && destination !== this.options.acsUrl) {
      throw fail(`Response Destination ${JSON.stringify(destination)} is not this service provider's ACS URL`);
    }
    let profile: Profile | null;
    try {
      ({ profile } = await this.saml.validatePostResponseAsync({ SAMLResponse: samlResponse }));
    } catch (e) {
      throw fail((e as Error).message);
    }
    if (!profile) throw fail('the response carries no assertion');
    const assertion = (profile.getAssertion?.() as { Assertion?: XmlNode } | undefined)?.Assertion;
    if (!assertion) throw fail('the response carries no assertion');

    const issuer = text(children(assertion, 'Issuer')[0]) ?? profile.issuer;
    if (this.options.idpEntityId !== undefined && issuer !== this.options.idpEntityId) {
      throw fail(`assertion Issuer ${JSON.stringify(issuer ?? '')} is not the configured IdP ${JSON.stringify(this.options.idpEntityId)}`);
    }
    const inResponseTo = profile.inResponseTo as string | undefined;
    if (!inResponseTo) throw fail('InResponseTo is missing from response');
    const confirmationEnd = this.checkBearerConfirmation(assertion, inResponseTo);

    const assertionId = assertion.$?.ID;
    if (!assertionId) throw fail('the assertion has no ID');
    const rememberUntil = this.replayHorizon(assertion, confirmationEnd);
    if (!(await this.options.store.firstUseOfAssertion(issuer ?? '', assertionId, rememberUntil - this.options.now()))) {
      throw fail('this assertion was already used (replayed)');
    }
    if (!(await this.options.store.claimRequest(inResponseTo))) {
      throw fail('InResponseTo names a request that was already answered');
    }
    return {
      issuer: issuer ?? '',
      nameId: profile.nameID,
      ...(profile.nameIDFormat && { nameIdFormat: profile.nameIDFormat }),
      ...(profile.sessionIndex && { sessionIndex: profile.sessionIndex }),
      attributes: attributesOf(profile),
    };
  }

  /**
   * The bearer SubjectConfirmation must be addressed to our ACS URL, valid now (within the clock
   * skew) and answer the same request as the Response (SAML profiles §4.1.4.2). Returns its
   * NotOnOrAfter (epoch ms).
   */
  private checkBearerConfirmation(assertion: XmlNode, inResponseTo: string): number {
    const now = this.options.now();
    const skew = this.options.clockSkewMs;
    const problems: string[] = [];
    for (const subject of children(assertion, 'Subject')) {
      for (const confirmation of children(subject, 'SubjectConfirmation')) {
        if (confirmation.$?.Method !== BEARER) continue;
        for (const data of children(confirmation, 'SubjectConfirmationData')) {
          const attrs = data.$ ?? {};
          const notOnOrAfter = instant(attrs.NotOnOrAfter);
          const notBefore = instant(attrs.NotBefore);
          if (attrs.Recipient !== this.options.acsUrl) {
            problems.push(`SubjectConfirmationData Recipient ${JSON.stringify(attrs.Recipient ?? '')} is not this service provider's ACS URL`);
          } else if (notOnOrAfter === undefined || Number.isNaN(notOnOrAfter)) {
            problems.push('SubjectConfirmationData has no valid NotOnOrAfter');
          } else if (now - skew >= notOnOrAfter) {
            problems.push('SAML assertion expired: clocks skewed too much');
          } else if (notBefore !== undefined && (Number.isNaN(notBefore) || now + skew < notBefore)) {
            problems.push('SAML assertion not yet valid');
          } else if (attrs.InResponseTo === undefined) {
            // The Response's InResponseTo is outside the signature when only the assertion is signed:
            // only the signed one binds the assertion to our request (unsolicited responses are refused).
            problems.push('SubjectConfirmationData has no InResponseTo (unsolicited responses are not accepted)');
          } else if (attrs.InResponseTo !== inResponseTo) {
            problems.push('InResponseTo does not match subjectInResponseTo');
          } else {
            return notOnOrAfter;
          }
        }
      }
    }
    throw fail(problems[0] ?? 'the assertion has no bearer SubjectConfirmation');
  }

  /** Until when the assertion could be accepted (so must be remembered as used): its earliest end. */
  private replayHorizon(assertion: XmlNode, confirmationEnd: number): number {
    const issuedAt = instant(assertion.$?.IssueInstant);
    const conditionsEnd = instant(children(assertion, 'Conditions')[0]?.$?.NotOnOrAfter);
    let end = confirmationEnd;
    if (conditionsEnd !== undefined && !Number.isNaN(conditionsEnd)) end = Math.min(end, conditionsEnd);
    if (issuedAt !== undefined && !Number.isNaN(issuedAt)) end = Math.min(end, issuedAt + this.options.maxAssertionLifetimeMs);
    return end + this.options.clockSkewMs;
  }

  /** The Response's Destination attribute, when the document is a Response that has one. */
  private async responseDestination(samlResponse: string): Promise<string | undefined> {
    let doc: Awaited<ReturnType<typeof parseDomFromString>>;
    try {
      doc = await parseDomFromString(Buffer.from(samlResponse, 'base64').toString('utf8'));
    } catch (e) {
      throw fail(`the SAMLResponse is not a well-formed XML document (${(e as Error).message})`);
    }
    const attr = xpath.selectAttributes(doc, "/*[local-name()='Response']/@Destination")[0];
    return attr?.nodeValue ?? undefined;
  }
}

/** node-saml reads the certificates through this callback on every response: a refresh applies at once. */
function certificateSource(certs: () => string[]) {
  return (callback: (err: Error | null, publicCert?: string | string[]) => void) => {
    const current = certs();
    if (current.length > 0) callback(null, current);
    else callback(new Error('no signing certificate of the IdP is known (its metadata could not be read)'));
  };
}

/** node-saml's profile attributes as lists of strings (complex values are dropped). */
function attributesOf(profile: Profile): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const raw = (profile.attributes ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(raw)) {
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
    if (values.length > 0) out[name] = values;
  }
  return out;
}
