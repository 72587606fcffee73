/**
 * The part of SCIM's filter grammar (RFC 7644 §3.4.2.2) identity providers use to find a resource
 * before they change it: `attrPath eq compValue`, joined by `and`, optionally parenthesised. The
 * value is a JSON literal (a string with JSON escapes, true, false, null or a number); attribute
 * names and operators are case-insensitive and may carry the core schema's URN. Everything else
 * (`or`, `not`, `co`, `sw`, `pr`, value paths `emails[type eq "work"]`) is refused with a 400
 * `invalidFilter` rather than silently answered as if it matched everything, which is what
 * LiteLLM's regex does and which would let an IdP conclude a user exists when it does not.
 */
import { ScimErrors } from './scim-errors.js';

export type FilterValue = string | number | boolean | null;

/** One `attr eq value` comparison; `attr` is lower-cased, without the core schema URN. */
export interface Comparison {
  attr: string;
  value: FilterValue;
}

const OPERATORS = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr']);
const CORE_URN = /^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/i;
const ATTR_PATH = /^(?:urn:[a-z0-9:._-]+:)?[a-z][a-z0-9_$-]*(\.[a-z][a-z0-9_$-]*)?$/i;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

type Token = { kind: 'word'; text: string } | { kind: 'string'; value: string } | { kind: 'punct'; text: '(' | ')' | '[' | ']' };

const bad = (reason: string) => ScimErrors.INVALID_FILTER({ reason });

function tokenize(filter: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']') {
      out.push({ kind: 'punct', text: c });
      i++;
    } else if (c === '"') {
      // A JSON string: find its closing quote, skipping escaped characters, and let JSON decode it.
      let j = i + 1;
      while (j < filter.length && filter[j] !== '"') j += filter[j] === '\\' ? 2 : 1;
      if (j >= filter.length) throw bad('a string value is not closed');
      try {
        out.push({ kind: 'string', value: JSON.parse(filter.slice(i, j + 1)) as string });
      } catch {
        throw bad(`${filter.slice(i, j + 1)} is not a valid string`);
      }
      i = j + 1;
    } else {
      let j = i;
      while (j < filter.length && !' \t\n\r()[]"'.includes(filter[j]!)) j++;
      out.push({ kind: 'word', text: filter.slice(i, j) });
      i = j;
    }
  }
  return out;
}

function literal(t: Token | undefined): FilterValue {
  if (!t) throw bad('a comparison has no value');
  if (t.kind === 'string') return t.value;
  if (t.kind === 'word') {
    const w = t.text.toLowerCase();
    if (w === 'true') return true;
    if (w === 'false') return false;
    if (w === 'null') return null;
    if (NUMBER.test(t.text)) return Number(t.text);
    throw bad(`${t.text} is not a value (strings are quoted with ")`);
  }
  throw bad(`unexpected "${t.text}" where a value belongs`);
}

/** Parses `filter` into the comparisons that must all hold. Throws a 400 `invalidFilter` verdict. */
export function parseFilter(filter: string): Comparison[] {
  const tokens = tokenize(filter);
  let pos = 0;
  const peek = () => tokens[pos];
  const keyword = (t: Token | undefined) => (t?.kind === 'word' ? t.text.toLowerCase() : undefined);

  const term = (out: Comparison[]): void => {
    const t = tokens[pos++];
    if (!t) throw bad('the filter ends where a comparison belongs');
    if (t.kind === 'punct' && t.text === '(') {
      expression(out);
      const close = tokens[pos++];
      if (close?.kind !== 'punct' || close.text !== ')') throw bad('a "(" is not closed');
      return;
    }
    if (t.kind !== 'word') throw bad('a comparison must start with an attribute name');
    if (keyword(t) === 'not') throw bad('"not" is not supported; only "eq" comparisons joined by "and" are');
    if (!ATTR_PATH.test(t.text)) throw bad(`${t.text} is not an attribute path`);
    if (peek()?.kind === 'punct' && (peek() as { text: string }).text === '[') throw bad(`value filters (${t.text}[...]) are not supported`);
    const op = keyword(tokens[pos++]);
    if (op === undefined || !OPERATORS.has(op)) throw bad(`expected an operator after ${t.text}`);
    if (op !== 'eq') throw bad(`the operator "${op}" is not supported; only "eq" is`);
    const value = literal(tokens[pos++]);
    out.push({ attr: t.text.replace(CORE_URN, '').toLowerCase(), value });
  };

  const expression = (out: Comparison[]): void => {
    term(out);
    for (;;) {
      const k = keyword(peek());
      if (k === 'and') {
        pos++;
        term(out);
      } else if (k === 'or') {
        throw bad('"or" is not supported; only "eq" comparisons joined by "and" are');
      } else {
        return;
      }
    }
  };

  const out: Comparison[] = [];
  expression(out);
  if (pos < tokens.length) throw bad(`unexpected ${JSON.stringify(tokens[pos]!.kind === 'string' ? (tokens[pos] as { value: string }).value : (tokens[pos] as { text: string }).text)}`);
  return out;
}

/** Checks every comparison names one of `known` (lower-case attribute paths). */
export function assertAttributes(comparisons: readonly Comparison[], known: readonly string[]): void {
  for (const c of comparisons) {
    if (!known.includes(c.attr)) throw bad(`filtering on "${c.attr}" is not supported; use one of ${known.join(', ')}`);
  }
}
