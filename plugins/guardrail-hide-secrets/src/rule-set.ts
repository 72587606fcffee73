/**
 * The maintained rule set: gitleaks' rules (rules/gitleaks-rules.json, converted from gitleaks'
 * own TOML, MIT licence in rules/NOTICE; LiteLLM's 94 secret plugins derive from the same rules)
 * plus the few formats it lacks (rules/sluice-rules.json). Each rule is data: a regex, the group
 * holding the secret, an entropy floor, keywords and allowlists, applied as gitleaks applies them.
 *
 * Cost: a rule runs only when one of its keywords is in the text. All keywords are found in one
 * pass over the lower-cased text, shared with the built-in format rules (trigger-scan.ts), so the
 * rules whose vendor is never named cost nothing.
 */
import GITLEAKS from '../rules/gitleaks-rules.json' with { type: 'json' };
import SLUICE from '../rules/sluice-rules.json' with { type: 'json' };
import type { Detector, Finding } from './finding.js';
import { registerTriggers, scanTriggers } from './trigger-scan.js';

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

/**
 * Whether a span overlaps any of `found`, in O(log n): the findings sorted by start, with the
 * furthest end reached so far. (A scan of every finding per match made a prompt dense with secrets
 * cost matches × findings: 30% of a 1 MB prompt's redaction time.)
 */
const NOTHING_TAKEN = (): boolean => false;

function overlapCheck(found: readonly Finding[]): (start: number, end: number) => boolean {
  if (found.length === 0) return NOTHING_TAKEN; // the usual prompt: no allocation per call
  const sorted = found.map((f) => ({ start: f.start, end: f.end })).sort((a, b) => a.start - b.start);
  const furthest: number[] = [];
  let reach = -1;
  for (const f of sorted) furthest.push((reach = Math.max(reach, f.end)));
  return (start, end) => {
    // The findings that start before `end`: sorted[0..lo). One of them overlaps if it reaches past `start`.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]!.start < end) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && furthest[lo - 1]! > start;
  };
}

function runRule(r: Rule, text: string, overlapsTaken: (start: number, end: number) => boolean, out: Finding[]): void {
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
    if (overlapsTaken(start, end)) continue;
    out.push({ start, end, type: r.name, specific: true });
  }
}

const ALNUM = [...'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const DIGITS = [...'0123456789'];
const HEX = [...'0123456789abcdefABCDEF'];

/**
 * Rules whose keywords are too short to gate them (`sk`, `ey`, `s.`, `q~` are in most texts) run
 * only on texts holding one of these case-sensitive literals, each of which their regex requires
 * of every match (and each of which holds a keyword of the rule, lower-cased).
 */
const GATES: Readonly<Record<string, readonly string[]>> = {
  'azure-ad-client-secret': DIGITS.map((d) => `${d}Q~`), // [a-zA-Z0-9_~.]{3}\dQ~…
  jwt: ['.ey'], // ey[a-zA-Z0-9]{17,}\.ey…
  'twilio-api-key': HEX.map((h) => `SK${h}`), // SK[0-9a-fA-F]{32}
  'vault-service-token': ['hvs.', ...ALNUM.map((c) => `s.${c}`)], // hvs\.… | s\.[a-z0-9A-Z]{24}
};

const isTokenChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;

/** Whether the text holds `.xxxxxx.` (six of [A-Za-z0-9_-] between two dots), found from its dots. */
function hasDottedSix(text: string): boolean {
  for (let i = text.indexOf('.'); i !== -1; i = text.indexOf('.', i + 1)) {
    if (text.charCodeAt(i + 7) !== 46) continue;
    let j = i + 1;
    while (j < i + 7 && isTokenChar(text.charCodeAt(j))) j++;
    if (j === i + 7) return true;
  }
  return false;
}

/**
 * Rules with no keyword run only on texts passing a check their regex requires of every match
 * (a dot-scan costs a tenth of the regex on a 10 kB prompt).
 */
const PRECHECKS: Readonly<Record<string, (text: string) => boolean>> = {
  'discord-bot-token': hasDottedSix, // [MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.…
};

for (const data of RULE_DATA) {
  for (const gate of GATES[data.id] ?? []) {
    if (!data.keywords.some((k) => gate.toLowerCase().includes(k))) throw new Error(`gate ${gate} of rule ${data.id} holds none of its keywords`);
  }
}
registerTriggers(
  RULE_DATA.flatMap((r) => r.keywords),
  Object.values(GATES).flat(),
);

/**
 * A detector running the rule set, less the rule ids given. It runs after the built-in detectors
 * and reports only what they did not find.
 */
export function ruleSetDetector(disabled: ReadonlySet<string> = new Set()): Detector {
  // In the data's order, which names a value two rules find alike. A rule with a keyword under 3
  // characters and no gate runs on every text, as one without keywords does.
  const rules = RULE_DATA.filter((r) => !disabled.has(r.id) && !OFF_BY_DEFAULT.has(r.id)).map((data) => ({
    rule: rule(data),
    gates: GATES[data.id],
    precheck: PRECHECKS[data.id],
    always: data.keywords.length === 0 || data.keywords.some((k) => k.length < 3),
  }));
  /** Keyword → the rules (by position) it switches on, so only the few named rules are looked at. */
  const byKeyword = new Map<string, number[]>();
  rules.forEach((r, at) => {
    if (r.gates || r.always) return;
    for (const k of new Set(r.rule.keywords)) byKeyword.set(k, [...(byKeyword.get(k) ?? []), at]);
  });
  const unconditional = rules.flatMap((r, at) => (r.gates || r.always ? [at] : []));
  return (text, out) => {
    const overlapsTaken = overlapCheck(out);
    const { keywords, exact } = scanTriggers(text);
    const candidates = unconditional.slice();
    for (const k of keywords) for (const at of byKeyword.get(k) ?? []) candidates.push(at);
    candidates.sort((a, b) => a - b);
    let previous = -1;
    for (const at of candidates) {
      if (at === previous) continue;
      previous = at;
      const { rule: r, gates, precheck } = rules[at]!;
      if (gates ? gates.some((t) => exact.has(t)) : !precheck || precheck(text)) runRule(r, text, overlapsTaken, out);
    }
  };
}
