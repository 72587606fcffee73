/**
 * Which names hold secrets: `password`, `PGPASSWORD`, `client_secret`, `auth_token`, `apiKey`,
 * `_authToken`, `X-API-Key`… A name is judged on its last word, so `secret_name`, `token_type`,
 * `password_min_length` and `max_tokens` are not.
 */

/** Last words that make a name a secret's, glued forms included (`pgpassword`, `apikey`). */
const SECRET_WORD_ENDING =
  /(?:password|passwd|passphrase|passcode|pwd|secret|token|credentials?|contrasena|contraseña|apikey|appkey|authkey|accesskey|secretkey|privatekey|privkey|clientkey|servicekey|accountkey|masterkey|keypass)$/;
/** `pass` alone or glued to a known owner (`dbpass`), but not `compass` or `bypass`. */
const PASS_WORD = /^(?:db|key|user|admin|root|sql|pg|mysql|redis|smtp|mail|ftp|ldap)?pass$/;
/** Which `…_key` names hold secrets; `public_key`, `sort_key`, `primary_key` (SQL) do not. */
const KEY_OWNERS = new Set([
  'api', 'app', 'application', 'auth', 'access', 'secret', 'private', 'priv', 'client', 'service', 'account', 'db',
  'database', 'master', 'signing', 'encryption', 'subscription', 'admin', 'storage', 'shared', 'consumer', 'license',
]);
/** `auth` alone, or owned like these (`basic_auth`); not `preAuth`, `useAuth`, `requireAuth`. */
const AUTH_OWNERS = new Set(['basic', 'http', 'https', 'proxy', 'api', 'x', 'db', 'redis', 'smtp', 'mail', 'registry', 'docker', 'npm', 'git']);
/** Words that may follow the secret word without changing what the name holds (`secret_key_base`). */
const NAME_SUFFIXES = new Set(['value', 'base', 'b64', 'str', 'string', 'plain', 'raw']);
/** Quantities about tokens and keys, not tokens and keys: `max_token`, `cost_per_token`. */
const QUANTITY_WORDS = new Set(['per', 'max', 'min', 'num', 'total', 'count']);
/** Prose: "my api key: …", "the access key is …" — the owner is a separate word before `key`. */
const KEY_OWNER_BEFORE = /(?:^|[^A-Za-z])(?:api|access|secret|private|auth|client|service|account|master|subscription|app|license)[ \t]$/i;

const CAMEL_BOUNDARY = /([a-z0-9])([A-Z])/g;
const WORD_SPLIT = /[^a-z0-9ñ]+/;

const isUpper = (c: number) => c >= 65 && c <= 90;
const isLowerOrDigit = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
const isWordChar = (c: number) => isLowerOrDigit(c) || c === 0xf1; /* ñ */

/**
 * `OpenAI_API_KEY` → `open ai api key`; `_authToken` → `auth token`. Read by hand (it runs for
 * every hint in a text); the regex form stays for names whose length lower-casing changes.
 */
export function nameWords(name: string): string[] {
  const lower = name.toLowerCase();
  if (lower.length !== name.length) return name.replace(CAMEL_BOUNDARY, '$1 $2').toLowerCase().split(WORD_SPLIT).filter(Boolean);
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i < lower.length; i++) {
    if (!isWordChar(lower.charCodeAt(i))) {
      if (start !== -1) words.push(lower.slice(start, i));
      start = -1;
    } else if (start === -1) {
      start = i;
    } else if (isUpper(name.charCodeAt(i)) && isLowerOrDigit(name.charCodeAt(i - 1))) {
      // A camel-case boundary (`apiKey`), where the regex form puts a space.
      words.push(lower.slice(start, i));
      start = i;
    }
  }
  if (start !== -1) words.push(lower.slice(start));
  return words;
}

export function isSecretName(words: readonly string[]): boolean {
  let n = words.length;
  if (n > 1 && NAME_SUFFIXES.has(words[n - 1]!)) n--;
  const last = words[n - 1];
  if (last === undefined || words.some((w) => QUANTITY_WORDS.has(w))) return false;
  if (SECRET_WORD_ENDING.test(last) || PASS_WORD.test(last) || last === 'authorization') return true;
  const owner = n > 1 ? words[n - 2]! : undefined;
  if (last === 'auth') return owner === undefined || AUTH_OWNERS.has(owner);
  return last === 'key' && owner !== undefined && KEY_OWNERS.has(owner);
}

/** "api key" written as two words in prose: the bare `key` takes its owner from the text before it. */
export function isOwnedKeyInProse(words: readonly string[], textBefore: string): boolean {
  return words.length === 1 && words[0] === 'key' && KEY_OWNER_BEFORE.test(textBefore);
}
