/**
 * Options for a generated Google Cloud client (`@google-cloud/*`): the endpoint override
 * (`apiEndpoint`, `port`, and `protocol: 'http'` for a local REST endpoint), the transport
 * (`fallback: true` is REST) and the credentials file (service account or external account).
 */
export interface GoogleClientSettings {
  api_endpoint?: string;
  transport?: 'rest' | 'grpc';
  credentials_file?: string;
}

export function googleClientOptions(settings: GoogleClientSettings): Record<string, unknown> {
  const rest = (settings.transport ?? 'rest') === 'rest';
  const options: Record<string, unknown> = { fallback: rest };
  if (settings.credentials_file) options.keyFilename = settings.credentials_file;
  if (settings.api_endpoint) {
    const text = settings.api_endpoint;
    const url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`);
    if (url.protocol === 'http:' && !rest) throw new Error('api_endpoint: plain http needs the rest transport');
    options.apiEndpoint = url.hostname;
    if (url.port) options.port = Number(url.port);
    if (url.protocol === 'http:') options.protocol = 'http';
  }
  return options;
}

/** A Google API error's code: gRPC's (5 NOT_FOUND) or, over REST, the HTTP status (404). */
export function googleErrorCode(err: unknown): number | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (err: unknown): boolean => [5, 404].includes(googleErrorCode(err) ?? 0);
export const isAlreadyExists = (err: unknown): boolean => [6, 409].includes(googleErrorCode(err) ?? 0);
export const isInvalidArgument = (err: unknown): boolean => [3, 400].includes(googleErrorCode(err) ?? 0);
