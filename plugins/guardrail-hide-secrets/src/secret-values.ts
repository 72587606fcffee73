/**
 * Whether what follows a secret's name is a secret. Most of what sits there in prompts is not:
 * documentation stand-ins (`<your-api-key>`, `YOUR_API_KEY`, `sk-...`), references to where the
 * secret lives (`$TOKEN`, `process.env.API_KEY`, `/secrets/sa.json`) and code (`get_token()`,
 * `body?.access_token`, `str`). Redacting those would only damage the prompt: they are what
 * users paste when they ask how to configure or fix something.
 */
import { isSecretName, nameWords } from './secret-names.js';

/**
 * Where the value stands decides how much it must look like a secret. `PASSWORD=letmein` (an
 * operator with no space after it) is code or a shell line: any non-trivial value counts. After
 * a colon, a spaced operator or "is", text is often prose ("Password: click the link", "token =
 * something"), so an unquoted value must contain a digit or a symbol there.
 */
export type ValueForm = 'quoted' | 'tight-assignment' | 'loose' | 'prose';

const STAND_IN_WORDS = new Set([
  'none', 'null', 'nil', 'undefined', 'true', 'false', 'empty', 'string', 'str', 'bytes', 'int', 'number', 'boolean',
  'bool', 'any', 'object', 'test', 'testing', 'secret', 'secrets', 'password', 'passwd', 'pass', 'token', 'key', 'apikey',
  'value', 'redacted', 'hidden', 'masked', 'required', 'optional', 'default', 'env', 'bearer', 'basic', 'oauth', 'digest',
  'disabled', 'enabled', 'todo', 'tbd', 'changeme', 'dummy', 'sample', 'example', 'placeholder', 'foo', 'bar', 'baz',
  'foobar', 'xxx', 'await', 'async', 'new', 'function', 'lambda', 'yield', 'typeof', 'return', 'self', 'this',
]);

const STAND_IN_SHAPES: readonly RegExp[] = [
  /^(.)\1*$/, // one repeated character: xxxx, ****, 0000
  /^[xX*•#.\-_]+$/, // masks: xxxx-xxxx, ***_***
  /[*•●]{3,}|(?:^|[-_])(?:x{4,}|X{4,})(?=[-_]|$)/, // masked with a prefix or a visible tail: sk-xxxx, sk-••••3f9a
  /\.\.\.|…/, // elided: sk-..., ghp_…
  /^<[^>]*>$|^\[[^\]]*\]$|^\{[^}]*\}$/, // <your-key>, [REDACTED], {token}
  /your|example|placeholder|redacted|changeme|dummy|sample|insert|replace|fake/i, // YOUR_API_KEY, my-example-token
  /^(?:my|the|some|a|an)[-_ ]/i, // my-secret-key, some_token
];

const REFERENCE_SHAPES: readonly RegExp[] = [
  /\$\{|#\{|\{\{|<%/, // templates: ${TOKEN}, #{token}, {{ secret }}, <%= ENV[...] %>
  /^\$[A-Za-z_]|^%[A-Za-z_]\w*%$/, // $TOKEN, %TOKEN%
  /^(?:process\.env|os\.environ|os\.getenv|getenv|System\.getenv|env\.|ENV\[|secrets\.|vault:|ref\+|arn:aws:secretsmanager)/i,
  /^(?:~|\.{1,2})?\/[\w.\/-]*\.(?:json|pem|key|crt|p12|pfx|txt|ya?ml|env|ini|conf)$/i, // a file holding the secret
];

/** `settings.api_key`, `self.token`, `body?.access_token`: digit-free, unlike dotted tokens (`hvs.CAESI…`). */
const DOTTED_PATH = /^[A-Za-z_$]+(?:\??\.[A-Za-z_$]+)+$/;
/** `get_token()`, `os.environ["X"]`, `Optional[str]`, `Required<Credentials>`, `(await read())`, `[a, b]`. */
const EXPRESSION = /^[A-Za-z_$][\w$.]*[(\[<]|^[(\[{]/;
/** `PROXY_KEY`, `dbPassword`: a variable named, not a value given. */
const VARIABLE_NAME = /^[A-Za-z_$]+$/;
const VARIABLE_MARK = /[_$]|[a-z][A-Z]/;
/** A name used as a value (`api_key=api_key`, `"settings": "general_settings.master_key"`). */
const NAME_PATH = /^[A-Za-z_$][\w$.-]*$/;
const REGEX_LITERAL = /^\/.+\/[dgimsuyv]*$/;
const DIGITS_ONLY = /^\d+$/;
const DECIMAL = /^[+-]?(?:\d*\.\d+|\d+\.)(?:e[+-]?\d+)?$|^\d+e[+-]?\d+$/i;
const NOT_LETTER = /[^A-Za-z]/;
const SPACE = / /g;

function matchesAny(shapes: readonly RegExp[], value: string): boolean {
  for (const shape of shapes) if (shape.test(value)) return true;
  return false;
}

function isCode(value: string): boolean {
  if (DOTTED_PATH.test(value) || EXPRESSION.test(value)) return true;
  if (VARIABLE_NAME.test(value) && VARIABLE_MARK.test(value)) return true;
  // A regex literal (`/key|token/i`) or a short path (`/etc/app`); long base64 may start with `/` too.
  return value.startsWith('/') && (value.length < 20 || REGEX_LITERAL.test(value));
}

export function isSecretValue(value: string, form: ValueForm): boolean {
  if (value.length < 4 || value.startsWith('--')) return false; // too short, another flag, or a PEM block (the Private Key rule's)
  if (STAND_IN_WORDS.has(value.toLowerCase()) || matchesAny(STAND_IN_SHAPES, value) || matchesAny(REFERENCE_SHAPES, value)) return false;
  if (DIGITS_ONLY.test(value) ? value.length < 6 : DECIMAL.test(value)) return false; // max_token: 4096, cost: 0.002
  if (NAME_PATH.test(value) && isSecretName(nameWords(value))) return false;
  // A passphrase has a few spaces, a sentence more; neither starts or ends with one (`'refused: ' + e`).
  if (form === 'quoted') return (value.match(SPACE)?.length ?? 0) <= 3 && value.trim() === value;
  if (isCode(value)) return false;
  if (form === 'tight-assignment') return NOT_LETTER.test(value) || value.length >= 6;
  if (form === 'prose') return NOT_LETTER.test(value) && value.length >= 6;
  return NOT_LETTER.test(value);
}
