/**
 * The maintained rule set: gitleaks' rules (rules/gitleaks-rules.json, converted from gitleaks'
 * own TOML, MIT licence in rules/NOTICE; LiteLLM's 94 secret plugins derive from the same rules)
 * plus the few formats it lacks (rules/sluice-rules.json). Each rule is data: a regex, the group
 * holding the secret, an entropy floor, keywords and allowlists, applied as gitleaks applies them.
 *
 * Cost: a rule runs only when one of its keywords is in the text. All keywords are found in one
 * pass over the lower-cased text, so the rules whose vendor is never named cost nothing.
 */
import GITLEAKS from '../rules/gitleaks-rules.json' with { type: 'json' };
import SLUICE from '../rules/sluice-rules.json' with { type: 'json' };
import type { Detector, Finding } from './finding.js';

interface PatternData {
  source: string;
  flags: string;
}

interface AllowlistData {
  condition?: string;
  /** What the regexes test: the secret (default), the whole match, or the line holding it. */
  regexTarget?: string;
  regexes?: PatternData[];
  stopwords?: string[];
}

export interface RuleData {
  id: string;
  /** What the warning names: `['DigitalOcean PAT']`. */
  name: string;
  description: string;
  regex: PatternData;
  /** The capture group holding the secret; by default the first group that matched, else the whole match. */
  secretGroup?: number;
  /** Shannon entropy (bits per character) the secret must exceed: random tokens do, words and ids do not. */
  entropy?: number;
  /** Lower-case; the rule runs only when one of them is in the text (none: always). */
  keywords: string[];
  allowlists?: AllowlistData[];
}

interface Allowlist {
  all: boolean;
  target: 'secret' | 'match' | 'line';
  regexes: RegExp[];
  stopwords: string[];
}

interface Rule {
  id: string;
  name: string;
  pattern: RegExp;
  secretGroup: number;
  entropy: number;
  keywords: string[];
  generic: boolean;
  allowlists: Allowlist[];
}

const compile = ({ source, flags }: PatternData, extra = '') => new RegExp(source, flags + extra);

function allowlist(data: AllowlistData): Allowlist {
  const target = data.regexTarget === 'match' || data.regexTarget === 'line' ? data.regexTarget : 'secret';
  return { all: data.condition === 'AND', target, regexes: (data.regexes ?? []).map((r) => compile(r)), stopwords: data.stopwords ?? [] };
}

function rule(data: RuleData): Rule {
  return {
    id: data.id,
    name: data.name,
    pattern: compile(data.regex, 'gd'),
    secretGroup: data.secretGroup ?? 0,
    entropy: data.entropy ?? 0,
    keywords: data.keywords,
    generic: data.id.startsWith('generic'),
    allowlists: (data.allowlists ?? []).map(allowlist),
  };
}

/**
 * gitleaks' catch-all for values given to key-like names is the Secret Keyword detector's job here,
 * as it is in LiteLLM (which runs detect-secrets' KeywordDetector and no generic gitleaks rule). It
 * found nothing more on the corpus, cost a third of the rule set's time, and is the one rule whose
 * findings are guesses from a name rather than a vendor's format.
 */
const OFF_BY_DEFAULT = new Set(['generic-api-key']);

export const RULE_DATA: readonly RuleData[] = [...(GITLEAKS.rules as RuleData[]), ...(SLUICE.rules as RuleData[])];
export const RULE_IDS: readonly string[] = RULE_DATA.map((r) => r.id);
const GLOBAL_ALLOWLIST = allowlist(GITLEAKS.allowlist as AllowlistData);

/** Shannon entropy of a string in bits per character, as gitleaks computes it. */
export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function lineAround(text: string, start: number, end: number): string {
  const from = text.lastIndexOf('\n', start - 1) + 1;
  const to = text.indexOf('\n', end);
  return text.slice(from, to === -1 ? text.length : to);
}

/** gitleaks' allowlist semantics: any one check suffices, or all of them with `condition = "AND"`. */
function allows(list: Allowlist, secret: string, match: () => string, line: () => string): boolean {
  const checks: boolean[] = [];
  if (list.regexes.length > 0) {
    const target = list.target === 'secret' ? secret : list.target === 'match' ? match() : line();
    checks.push(list.regexes.some((re) => re.test(target)));
  }
  if (list.stopwords.length > 0) {
    const lower = secret.toLowerCase();
    checks.push(list.stopwords.some((w) => lower.includes(w)));
  }
  return checks.length > 0 && (list.all ? checks.every(Boolean) : checks.some(Boolean));
}

const HAS_DIGIT = /\d/;

function runRule(r: Rule, text: string, taken: readonly Finding[], out: Finding[]): void {
  const { pattern } = r;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if (m[0] === '') pattern.lastIndex++;
    let group = r.secretGroup;
    if (group === 0) for (let g = 1; g < m.length && group === 0; g++) if (m[g]) group = g;
    const secret = m[group];
    if (!secret) continue;
    if (r.entropy > 0 && shannonEntropy(secret) <= r.entropy) continue;
    if (r.generic && !HAS_DIGIT.test(secret)) continue;
    const [start, end] = m.indices![group]!;
    const match = () => m![0];
    const line = () => lineAround(text, start, end);
    if (allows(GLOBAL_ALLOWLIST, secret, match, line) || r.allowlists.some((a) => allows(a, secret, match, line))) continue;
    // A built-in detector that already found this value knows its exact extent and LiteLLM's name for it.
    if (taken.some((f) => f.start < end && start < f.end)) continue;
    out.push({ start, end, type: r.name, specific: true });
  }
}

/**
 * Finds which keywords (3+ characters) a lower-cased text holds in one pass: keywords are indexed
 * by their first three characters in a 2^21-bit set, so each position costs a rolling code and one
 * bit test, and only positions that start some keyword are compared. (One alternation regex of the
 * ~230 keywords costs about twice as much on a 10 kB prompt; a search per keyword, 20 times.)
 */
function keywordScanner(keywords: readonly string[]): (lower: string) => Set<string> {
  const code3 = (a: number, b: number, c: number) => ((a & 0x7f) << 14) | ((b & 0x7f) << 7) | (c & 0x7f);
  const byCode = new Map<number, string[]>();
  for (const k of new Set(keywords)) {
    const code = code3(k.charCodeAt(0), k.charCodeAt(1), k.charCodeAt(2));
    byCode.set(code, [...(byCode.get(code) ?? []), k]);
  }
  const starts = new Int32Array(1 << 16);
  for (const code of byCode.keys()) starts[code >>> 5] |= 1 << (code & 31);
  return (lower) => {
    const found = new Set<string>();
    let code = ((lower.charCodeAt(0) & 0x7f) << 7) | (lower.charCodeAt(1) & 0x7f);
    for (let i = 2; i < lower.length; i++) {
      code = ((code << 7) | (lower.charCodeAt(i) & 0x7f)) & 0x1fffff;
      if ((starts[code >>> 5] & (1 << (code & 31))) === 0) continue;
      for (const k of byCode.get(code)!) if (lower.startsWith(k, i - 2)) found.add(k);
    }
    return found;
  };
}

/**
 * A detector running the rule set, less the rule ids given. It runs after the built-in detectors
 * and reports only what they did not find.
 */
export function ruleSetDetector(disabled: ReadonlySet<string> = new Set()): Detector {
  const rules = RULE_DATA.filter((r) => !disabled.has(r.id) && !OFF_BY_DEFAULT.has(r.id)).map(rule);
  const always = rules.filter((r) => r.keywords.length === 0);
  const keyed = rules.filter((r) => r.keywords.length > 0);
  const keywords = new Set(keyed.flatMap((r) => r.keywords));
  // The few two-character keywords (`sk`, `ey`, `s.`, `q~`) are looked up directly.
  const short = [...keywords].filter((k) => k.length < 3);
  const scan = keywordScanner([...keywords].filter((k) => k.length >= 3));
  return (text, out) => {
    const taken = out.slice();
    const lower = text.toLowerCase();
    const present = scan(lower);
    for (const k of short) if (lower.includes(k)) present.add(k);
    for (const r of always) runRule(r, text, taken, out);
    for (const r of keyed) if (r.keywords.some((k) => present.has(k))) runRule(r, text, taken, out);
  };
}
