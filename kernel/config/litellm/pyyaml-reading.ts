/**
 * YAML as LiteLLM reads it: PyYAML's `safe_load`, which implements YAML 1.1. A config written for
 * LiteLLM means what PyYAML makes of it, so:
 *
 * - numbers are 1.1's: `20_000`, `0x1F`, `017` (octal), `0b101`, `1:30` (sexagesimal) are ints;
 *   a float needs a dot and a signed exponent (`1.5e+3`), so `1e3` stays the string "1e3";
 * - booleans are yes/no/true/false/on/off in their three spellings (not `y`/`n`, which 1.1's
 *   spec lists but PyYAML does not, and `n` is OpenAI's parameter);
 * - dates stay strings (PyYAML makes `datetime.date`s, which no LiteLLM setting takes);
 * - a key given twice in one mapping keeps its last value, with a warning naming its path;
 * - a key with no value (`api_key:`, a `general_settings:` whose lines are all comments) is None
 *   to PyYAML, which LiteLLM treats as not set: such keys are dropped (withoutNulls).
 */
import { isMap, isPair, isScalar, isSeq, parseDocument, type Document, type ScalarTag, type SchemaOptions } from 'yaml';

type TagList = Extract<NonNullable<SchemaOptions['customTags']>, unknown[]>;

const PY_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PY_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
/** PyYAML's float resolver, minus .inf/.nan and sexagesimal (their own tags below). */
const PY_FLOAT = /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?)$/;

function pyTags(tags: TagList): TagList {
  const out: TagList = [];
  for (const tag of tags) {
    if (typeof tag !== 'object' || 'collection' in tag) {
      out.push(tag);
      continue;
    }
    const t = tag as ScalarTag;
    if (t.tag === 'tag:yaml.org,2002:timestamp') continue;
    if (t.tag === 'tag:yaml.org,2002:bool' && t.test) {
      out.push({ ...t, test: t.test.test('true') ? PY_TRUE : PY_FALSE });
      continue;
    }
    if (t.tag === 'tag:yaml.org,2002:float' && t.test && !t.test.test('.inf') && t.format !== 'TIME') {
      // 1.1's exponent and plain forms → PyYAML's single form (dot required, signed exponent).
      if (t.format === 'EXP') continue;
      out.push({ ...t, test: PY_FLOAT, resolve: (s: string) => Number(s.replace(/_/g, '')) });
      continue;
    }
    out.push(t);
  }
  return out;
}

export interface PyYamlDocument {
  doc: Document.Parsed;
  /** One line per key given twice in the same mapping. */
  duplicates: string[];
}

export function parsePyYaml(text: string): PyYamlDocument {
  const doc = parseDocument(text, { version: '1.1', uniqueKeys: false, prettyErrors: true, customTags: pyTags });
  const duplicates: string[] = [];
  if (doc.errors.length === 0) findDuplicates(doc.contents, '', duplicates);
  return { doc, duplicates };
}

function findDuplicates(node: unknown, path: string, out: string[]): void {
  if (isMap(node)) {
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const at = path ? `${path}.${key}` : key;
      if (seen.has(key)) out.push(`${at} is given more than once; the last value is used (as LiteLLM's YAML reader does)`);
      seen.add(key);
      findDuplicates(pair.value, at, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => findDuplicates(item, `${path}[${i}]`, out));
  }
}

/** Mapping keys whose value is null, at any depth, removed (list items are kept as they are). */
export function withoutNulls(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutNulls);
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) if (v !== null) out[k] = withoutNulls(v);
    return out;
  }
  return node;
}
