/**
 * "Secret Keyword" (Yelp detect-secrets' KeywordDetector, which LiteLLM runs): a value given to a
 * name that says it is a secret — `API_KEY = 'sk_123…'`, `openai_api_key=sk-1234998222`,
 * `"password": "hunter2"`, `Authorization: Bearer abc…`, `--token abc…`, `my password is P@ss1`,
 * `- name: DB_PASSWORD` / `value: …`. Only the value is reported, so `name = '[REDACTED]'` keeps
 * the sentence readable.
 *
 * The cost stays linear: one cheap scan for hint substrings, then the name around each hint is
 * read by hand and only secret names are followed by the (sticky) value regexes; a value is never
 * read twice.
 */
import type { Detector, Finding } from './finding.js';
import { isOwnedKeyInProse, isSecretName, nameWords } from './secret-names.js';
import { isSecretValue, type ValueForm } from './secret-values.js';
import { scanTriggers } from './trigger-scan.js';

const HINT = /key|token|secret|pass|pwd|auth|credential|contrase/gi;
/**
 * The same, run on the lower-cased text the trigger scan made (twice as fast as `i`) when it has
 * the text's length; a hit counts only where the text holds ASCII letters, as `i` would have it.
 */
const HINT_LOWER = /key|token|secret|pass|pwd|auth|credential|contrase/g;

function isAsciiRun(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) > 127) return false;
  return true;
}

function isNameChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 /* _ */ || c === 45 /* - */ || c === 46 /* . */ ||
    c === 36 /* $ */ || (c >= 0xc0 && c <= 0x24f) /* ñ and friends */
  );
}

/** The name may be closed by quotes or a bracket (`"password":`, `env['TOKEN'] =`) before the operator. */
const ASSIGNMENT = /[\\"'\]]{0,3}[ \t]*(:=|=>|=(?![=~])|:(?![:/\\]))([ \t]*)/y;
const PROSE = /[ \t]+(?:is|was)[ \t]*:?[ \t]+/y;
const FLAG_GAP = /[ \t]+/y;
/** Kubernetes / compose env lists: `- name: DB_PASSWORD` then `value: …` on the next line. */
const NAME_FIELD_BEFORE = /name:[ \t]*["']?$/;
const VALUE_FIELD_AFTER = /["']?[ \t]*\r?\n[ \t]*value:[ \t]*/y;
/** `Authorization: Bearer <token>`, `"Bearer <token>"`: the scheme is not the secret. */
const SCHEME_BEFORE_VALUE = /(?:bearer|basic|token|digest)[ \t]+/iy;
const AUTH_SCHEME = /^(?:bearer|basic|token|digest)[ \t]+/i;
const QUOTED = /\\"([^"\\\n]{1,512})\\"|"([^"\n]{1,512})"|'([^'\n]{1,512})'|`([^`\n]{1,512})`/y;
const BARE = /[^\s"'`,;]{1,512}/y;
/** In a URL query (`?token=…&next=…`) the value ends at the next parameter. */
const BARE_QUERY_VALUE = /[^\s"'`,;&#]{1,512}/y;
const WHITESPACE = /\s/;
const AWS_SECRET = /^[A-Za-z0-9/+]{40}$/;

interface Value {
  start: number;
  value: string;
  /** False when a value was read but is not a secret (a stand-in, a word, code). */
  secret: boolean;
}

/** Where the value starts and how it stands, or undefined when no value follows the name. */
function operatorAfter(text: string, nameStart: number, nameEnd: number, isFlag: boolean): { at: number; form: ValueForm } | undefined {
  ASSIGNMENT.lastIndex = nameEnd;
  const op = ASSIGNMENT.exec(text);
  if (op) return { at: ASSIGNMENT.lastIndex, form: op[1] === ':' || op[2] !== '' ? 'loose' : 'tight-assignment' };
  VALUE_FIELD_AFTER.lastIndex = nameEnd;
  if (VALUE_FIELD_AFTER.test(text) && NAME_FIELD_BEFORE.test(text.slice(Math.max(0, nameStart - 16), nameStart))) {
    return { at: VALUE_FIELD_AFTER.lastIndex, form: 'loose' };
  }
  PROSE.lastIndex = nameEnd;
  if (PROSE.test(text)) return { at: PROSE.lastIndex, form: 'prose' };
  FLAG_GAP.lastIndex = nameEnd;
  if (isFlag && FLAG_GAP.test(text)) return { at: FLAG_GAP.lastIndex, form: 'loose' };
  return undefined;
}

function withoutScheme(start: number, value: string): { start: number; value: string } {
  const scheme = AUTH_SCHEME.exec(value);
  return scheme ? { start: start + scheme[0].length, value: value.slice(scheme[0].length) } : { start, value };
}

/** Sentence punctuation after an unquoted value is not part of it. */
function trimBare(value: string): string {
  let v = value;
  for (;;) {
    const last = v[v.length - 1];
    if (last === '.' || last === ':') v = v.slice(0, -1);
    else if ((last === ')' && !v.includes('(')) || (last === ']' && !v.includes('[')) || (last === '}' && !v.includes('{'))) v = v.slice(0, -1);
    else return v;
  }
}

function valueAfter(text: string, nameStart: number, nameEnd: number, isFlag: boolean, inQuery: boolean): Value | undefined {
  const op = operatorAfter(text, nameStart, nameEnd, isFlag);
  if (!op) return undefined;
  SCHEME_BEFORE_VALUE.lastIndex = op.at;
  const at = SCHEME_BEFORE_VALUE.test(text) ? SCHEME_BEFORE_VALUE.lastIndex : op.at;
  QUOTED.lastIndex = at;
  const q = QUOTED.exec(text);
  if (q) {
    const raw = (q[1] ?? q[2] ?? q[3] ?? q[4])!;
    const { start, value } = withoutScheme(at + (q[1] !== undefined ? 2 : 1), raw);
    // Backticks in prose mark code, not a string: judged like an unquoted value, and never a phrase.
    const secret = q[4] !== undefined ? !WHITESPACE.test(value) && isSecretValue(value, 'loose') : isSecretValue(value, 'quoted');
    return { start, value, secret };
  }
  const bareValue = inQuery ? BARE_QUERY_VALUE : BARE;
  bareValue.lastIndex = at;
  const bare = bareValue.exec(text);
  if (!bare) return undefined;
  const value = trimBare(bare[0]);
  return { start: at, value, secret: isSecretValue(value, op.form) };
}

export const keywordDetector: Detector = (text: string, out: Finding[]) => {
  const { lower } = scanTriggers(text);
  const aligned = lower.length === text.length;
  const hints = aligned ? HINT_LOWER : HINT;
  const subject = aligned ? lower : text;
  hints.lastIndex = 0;
  for (let hint = hints.exec(subject); hint !== null; hint = hints.exec(subject)) {
    let start = hint.index;
    let end = start + hint[0].length;
    if (aligned && !isAsciiRun(text, start, end)) {
      hints.lastIndex = start + 1;
      continue;
    }
    while (start > 0 && isNameChar(text.charCodeAt(start - 1))) start--;
    while (end < text.length && isNameChar(text.charCodeAt(end))) end++;
    hints.lastIndex = end;
    const isFlag = text.startsWith('--', start);
    while (end > start && (text[end - 1] === '.' || text[end - 1] === '-')) end--;
    const words = nameWords(text.slice(start, end));
    if (!isSecretName(words) && !isOwnedKeyInProse(words, text.slice(Math.max(0, start - 24), start))) continue;
    const before = text[start - 1];
    const found = valueAfter(text, start, end, isFlag, before === '?' || before === '&');
    if (!found) continue;
    const valueEnd = found.start + found.value.length;
    // Never read the same value twice: text built to put a hint every few characters inside a
    // rejected value would otherwise cost up to 512 characters per hint.
    if (hints.lastIndex < valueEnd) hints.lastIndex = valueEnd;
    if (!found.secret) continue;
    const type = words.includes('aws') && AWS_SECRET.test(found.value) ? 'AWS Access Key' : 'Secret Keyword';
    out.push({ start: found.start, end: valueEnd, type, specific: type !== 'Secret Keyword' });
  }
};
