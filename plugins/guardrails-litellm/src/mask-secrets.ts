/**
 * /guardrails/list shows an entry's litellm_params as written, with literal secrets masked
 * (`os.environ/` references stay, they name no secret).
 */

/** `api_key`, `aws_secret_access_key`, `token`…, but not `banned_keywords_list`. */
const SECRET_WORDS = new Set(['key', 'apikey', 'secret', 'token', 'password', 'credential', 'credentials']);
const isSecretParam = (key: string) => key.toLowerCase().split(/[_\-.]/).some((w) => SECRET_WORDS.has(w));

export function maskSecrets(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    out[key] = typeof value === 'string' && isSecretParam(key) && !value.startsWith('os.environ/') ? `${value.slice(0, 4)}****` : value;
  }
  return out;
}
