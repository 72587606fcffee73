/**
 * The request-time redaction: a pure, synchronous function of a string, importable on its own
 * (the benchmark and other guardrails use it without a gateway).
 */
import { DETECTOR_NAMES, type Detector, type DetectorName, type Finding, type SecretType } from './finding.js';
import { formatDetector } from './format-rules.js';
import { keywordDetector } from './keyword-rule.js';
import { RULE_IDS, ruleSetDetector } from './rule-set.js';
import { forgetTriggers } from './trigger-scan.js';

export { DETECTOR_NAMES, type DetectorName, type SecretType } from './finding.js';
export { RULE_IDS } from './rule-set.js';

export const REDACTED = '[REDACTED]';

export interface Redaction {
  /** The text with every secret value replaced by `[REDACTED]`; the same string when nothing was found. */
  text: string;
  /** One detector or rule name per distinct secret, in order of appearance. Never the values. */
  types: readonly SecretType[];
}

export type SecretRedactor = (text: string) => Redaction;

export interface RedactorOptions {
  /** Detectors not to run (an operator's escape hatch for a false positive they cannot avoid). */
  disabled?: readonly DetectorName[];
  /** Rules of the rule set not to run, by id (`generic-api-key`), for the same reason. */
  disabledRules?: readonly string[];
}

/**
 * A secret found once is also removed wherever else it appears in the same text ("my token is X
 * … as I said, X"), as LiteLLM does; below this length that would mangle ordinary text.
 */
const MIN_REPEAT_LENGTH = 8;
/** Each value hunted for costs a pass over the text; a text stuffed with secrets must not cost a pass per secret. */
const MAX_VALUES_HUNTED = 32;
const NOTHING: readonly SecretType[] = Object.freeze([]);

export function createSecretRedactor(options: RedactorOptions = {}): SecretRedactor {
  const off = new Set(options.disabled ?? []);
  for (const name of off) if (!DETECTOR_NAMES.includes(name)) throw new Error(`unknown secret detector ${JSON.stringify(name)}`);
  const rulesOff = new Set(options.disabledRules ?? []);
  for (const id of rulesOff) if (!RULE_IDS.includes(id)) throw new Error(`unknown secret rule ${JSON.stringify(id)}`);
  const detectors: Detector[] = [formatDetector((type) => !off.has(type))];
  if (!off.has('Secret Keyword')) detectors.push(keywordDetector);
  // Last: it skips what the built-in detectors found, whose extent and names they know best.
  detectors.push(ruleSetDetector(rulesOff));
  return (text) => redact(text, detectors);
}

/** The redactor with every detector on. */
export const redactSecrets: SecretRedactor = createSecretRedactor();

function redact(text: string, detectors: readonly Detector[]): Redaction {
  const raw: Finding[] = [];
  forgetTriggers();
  for (const detect of detectors) detect(text, raw);
  forgetTriggers();
  // Text redacted earlier (by a previous pass or another gateway) is not a secret again.
  const found = raw.filter((f) => f.end - f.start !== REDACTED.length || !text.startsWith(REDACTED, f.start));
  if (found.length === 0) return { text, types: NOTHING };
  let spans = merge(found);
  const types = distinctTypes(text, spans);
  const repeats = repeatedValues(text, spans);
  if (repeats.length > 0) spans = merge(spans.concat(repeats));
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + REDACTED;
    at = s.end;
  }
  return { text: out + text.slice(at), types };
}

/** Overlapping findings become one span covering both, named by the more specific detector. */
function merge(found: Finding[]): Finding[] {
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Finding[] = [];
  for (const f of found) {
    const last = out[out.length - 1];
    if (last && f.start < last.end) {
      if (f.end > last.end) last.end = f.end;
      if (f.specific && !last.specific) {
        last.type = f.type;
        last.specific = true;
      }
    } else {
      out.push({ ...f });
    }
  }
  return out;
}

function distinctTypes(text: string, spans: readonly Finding[]): SecretType[] {
  const seen = new Set<string>();
  const types: SecretType[] = [];
  for (const s of spans) {
    const key = `${s.type}\u0000${text.slice(s.start, s.end)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    types.push(s.type);
  }
  return types;
}

function repeatedValues(text: string, spans: readonly Finding[]): Finding[] {
  const out: Finding[] = [];
  const done = new Set<string>();
  for (const s of spans) {
    if (s.end - s.start < MIN_REPEAT_LENGTH) continue;
    const value = text.slice(s.start, s.end);
    if (done.has(value)) continue;
    if (done.size === MAX_VALUES_HUNTED) break;
    done.add(value);
    for (let i = text.indexOf(value); i !== -1; i = text.indexOf(value, i + value.length)) {
      if (i !== s.start) out.push({ start: i, end: i + value.length, type: s.type, specific: s.specific });
    }
  }
  return out;
}
