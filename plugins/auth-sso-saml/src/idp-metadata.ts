/**
 * The IdP's SAML metadata (Entra's "App Federation Metadata Url", Okta's "Metadata URL"): its entity
 * ID, its SSO URL for the HTTP-Redirect binding and its signing certificates, so an operator can
 * point the gateway at one URL and certificate rollovers are picked up when it is read again.
 */
import { parseDomFromString, xpath } from '@node-saml/node-saml/lib/xml.js';
import type { HttpClient, Logger } from '@sluice/plugin-sdk';

const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

export interface IdpMetadata {
  entityId?: string;
  ssoUrl?: string;
  /** Signing certificates (base64 DER bodies), in document order. */
  certs: string[];
}

export async function parseIdpMetadata(xml: string): Promise<IdpMetadata> {
  const doc = await parseDomFromString(xml);
  // An EntityDescriptor, or an EntitiesDescriptor (federation aggregate) holding the IdP's.
  const idp = xpath.selectElements(doc, "//*[local-name()='EntityDescriptor'][*[local-name()='IDPSSODescriptor']]")[0];
  if (!idp) throw new Error('no EntityDescriptor with an IDPSSODescriptor');
  const descriptor = xpath.selectElements(idp, "./*[local-name()='IDPSSODescriptor']")[0]!;
  const sso = xpath
    .selectElements(descriptor, "./*[local-name()='SingleSignOnService']")
    .find((e) => e.getAttribute('Binding') === REDIRECT)
    ?.getAttribute('Location');
  const certs = xpath
    .selectElements(descriptor, "./*[local-name()='KeyDescriptor'][not(@use) or @use='signing']//*[local-name()='X509Certificate']")
    .map((e) => (e.textContent ?? '').replace(/\s+/g, ''))
    .filter(Boolean);
  const entityId = idp.getAttribute('entityID');
  return { ...(entityId && { entityId }), ...(sso && { ssoUrl: sso }), certs: [...new Set(certs)] };
}

/**
 * The IdP metadata behind a URL: read when first needed, then every `refreshMs` (a failed refresh
 * keeps the last copy). While it has never been read, a failed read is retried after `retryMs`,
 * not on every login.
 */
export class IdpMetadataSource {
  private last: IdpMetadata | undefined;
  private failedAt = -Infinity;
  private failure = '';
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly options: {
      url: string;
      refreshMs: number;
      retryMs: number;
      http: HttpClient;
      log: Logger;
      now: () => number;
    },
  ) {}

  /** The metadata; throws (with the reason) while it cannot be read. */
  async current(): Promise<IdpMetadata> {
    if (this.last) return this.last;
    if (this.options.now() - this.failedAt < this.options.retryMs) throw new Error(`${this.failure} (retried in under a minute)`);
    try {
      this.last = await this.read();
    } catch (e) {
      this.failedAt = this.options.now();
      this.failure = (e as Error).message;
      this.options.log.error({ url: this.options.url, err: this.failure }, 'could not read the SAML IdP metadata');
      throw e;
    }
    this.timer ??= setInterval(() => {
      this.read().then(
        (fresh) => (this.last = fresh),
        (e: Error) => this.options.log.warn({ url: this.options.url, err: e.message }, 'could not refresh the SAML IdP metadata; keeping the last one'),
      );
    }, this.options.refreshMs);
    this.timer.unref?.();
    return this.last;
  }

  /** The signing certificates of the last copy read (empty before the first read). */
  certificates(): string[] {
    return this.last?.certs ?? [];
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async read(): Promise<IdpMetadata> {
    const res = await this.options.http.request(this.options.url, {
      headers: { accept: 'application/samlmetadata+xml, application/xml, text/xml' },
      headersTimeoutMs: 10_000,
    });
    const text = await res.body.text();
    if (res.status !== 200) throw new Error(`${this.options.url} answered ${res.status}`);
    const parsed = await parseIdpMetadata(text);
    if (parsed.certs.length === 0) throw new Error(`${this.options.url} lists no signing certificate`);
    return parsed;
  }
}
