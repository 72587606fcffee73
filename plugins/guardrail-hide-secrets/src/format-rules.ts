/**
 * Secrets recognisable by their shape alone: a vendor prefix and a fixed alphabet and length.
 * Each rule was checked against the vendor's documented format and against secretlint's
 * recommended preset (see test/secretlint-reference.test.ts). Boundaries are look-arounds rather
 * than `\b` because `_` and `-` are word characters in some formats and separators in others.
 */
import type { Detector, DetectorName, Finding } from './finding.js';
import { registerTriggers, scanTriggers } from './trigger-scan.js';

interface FormatRule {
  type: DetectorName;
  /** Global; with the `d` flag when `group` is set. */
  pattern: RegExp;
  /** Capture group holding the secret when the match also holds context (a URL, a header); 0 = the whole match. */
  group?: number;
  /** Rejects matches that have the shape but not the content of a real secret (placeholders). */
  accept?: (value: string) => boolean;
  /** Case-sensitive literals (3+ characters), one of which every match holds: the rule runs only on texts holding one. */
  triggers: readonly string[];
}

const HEX_DIGITS = [...'0123456789abcdef'];

const HAS_DIGIT = /\d/;
const HAS_LETTER = /[A-Za-z]/;
/** Random tokens carry digits and letters; `sk-your-key-goes-here-please` does not. */
const mixed = (value: string) => HAS_DIGIT.test(value) && HAS_LETTER.test(value);

/** A URL password or SAS value that is a documentation stand-in rather than a credential. */
const STAND_IN = /^(?:password|passwd|pass|secret|changeme|\*+|x+|\.+|<[^>]*>|\$\{?[A-Za-z_][\w.]*\}?|\{\{[^}]*\}\}|%[A-Za-z_]+%)$/i;
const notStandIn = (value: string) => !STAND_IN.test(value);

export const FORMAT_RULES: readonly FormatRule[] = [
  // AWS's documentation access key ids end in EXAMPLE; gitleaks allows them too.
  { type: 'AWS Access Key', pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])/g, accept: (v) => !v.endsWith('EXAMPLE'), triggers: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'] },
  { type: 'Anthropic API Key', pattern: /(?<![A-Za-z0-9_-])sk-ant-[a-z]+\d*-[A-Za-z0-9_-]{32,}/g, triggers: ['sk-ant-'] },
  // Legacy (`sk-` + 48), project (`sk-proj-`), service-account and admin keys.
  { type: 'Strict OpenAI API Key', pattern: /(?<![A-Za-z0-9_-])sk-(?!ant-)[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])/g, accept: (v) => mixed(v) && !v.includes('--'), triggers: ['sk-'] },
  { type: 'Groq API Key', pattern: /(?<![A-Za-z0-9_])gsk_[A-Za-z0-9]{40,}(?![A-Za-z0-9_])/g, accept: mixed, triggers: ['gsk_'] },
  { type: 'GitHub Token', pattern: /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])/g, accept: mixed, triggers: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'] },
  {
    type: 'GitLab Secret',
    pattern: /(?<![A-Za-z0-9_-])(?:glpat-[A-Za-z0-9_-]{20,}|glptt-[0-9a-f]{40}|glrt-[A-Za-z0-9_-]{20,}|GR1348941[A-Za-z0-9_-]{20,})/g,
    accept: mixed,
    triggers: ['glpat-', 'glptt-', 'glrt-', 'GR1348941'],
  },
  { type: 'GCP API Key', pattern: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g, triggers: ['AIza'] },
  { type: 'Hugging Face Token', pattern: /(?<![A-Za-z0-9_])(?:hf_[A-Za-z0-9]{30,}|api_org_[A-Za-z0-9]{30,})(?![A-Za-z0-9_])/g, triggers: ['hf_', 'api_org_'] },
  { type: 'NPM tokens', pattern: /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])/g, accept: mixed, triggers: ['npm_'] },
  { type: 'Slack Secret', pattern: /(?<![A-Za-z0-9_-])(?:xox[abposre]-[0-9A-Za-z-]{10,}|xapp-\d-[A-Za-z0-9-]{10,})/g, accept: mixed, triggers: ['xox', 'xapp-'] },
  { type: 'Slack Secret', pattern: /hooks\.slack\.com\/(?:services|workflows|triggers)\/([A-Za-z0-9+/_-]{20,})/dg, group: 1, triggers: ['hooks.slack.com/'] },
  { type: 'Stripe Access Key', pattern: /(?<![A-Za-z0-9_])(?:(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}|whsec_[A-Za-z0-9+/=]{24,})(?![A-Za-z0-9_])/g, triggers: ['sk_', 'rk_', 'whsec_'] },
  { type: 'Twilio API Key', pattern: /(?<![A-Za-z0-9])(?:AC|SK)[0-9a-f]{32}(?![A-Za-z0-9])/g, triggers: HEX_DIGITS.flatMap((h) => [`AC${h}`, `SK${h}`]) },
  { type: 'SendGrid API Token', pattern: /(?<![A-Za-z0-9_-])SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}(?![A-Za-z0-9_-])/g, triggers: ['SG.'] },
  { type: 'Square OAuth Secret', pattern: /(?<![A-Za-z0-9_-])sq0csp-[0-9A-Za-z_-]{43}(?![A-Za-z0-9_-])/g, triggers: ['sq0csp-'] },
  { type: 'JSON Web Token', pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, triggers: ['eyJ'] },
  { type: 'Azure Storage Account access key', pattern: /AccountKey=([A-Za-z0-9+/]{40,}={0,2})/dg, group: 1, triggers: ['AccountKey='] },
  { type: 'Azure SAS Token', pattern: /[?&]sig=([A-Za-z0-9%+/=]{16,})/dg, group: 1, accept: notStandIn, triggers: ['sig='] },
];

/**
 * Formats a single regex handles badly are found by hand. Two have no distinctive start, so a
 * regex scan would try them at every position: they are found from their literal middle
 * (`-us<dc>`, `://`) with indexOf instead, which keeps the whole rule set at tens of microseconds
 * on a 10 kB prompt. PEM blocks need their END line, which must not be searched for once per BEGIN.
 */
type Report = (start: number, end: number) => void;

const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
const isDigit = (c: number) => c >= 48 && c <= 57;

/** Mailchimp: 32 hex digits, then `-us` and the data-centre number (not secret, left visible). */
function findMailchimpKeys(text: string, report: Report): void {
  for (let i = text.indexOf('-us', 32); i !== -1; i = text.indexOf('-us', i + 3)) {
    if (!isDigit(text.charCodeAt(i + 3)) || isDigit(text.charCodeAt(i + 5)) || isHex(text.charCodeAt(i - 33))) continue;
    let hex = 0;
    while (hex < 32 && isHex(text.charCodeAt(i - 1 - hex))) hex++;
    if (hex === 32) report(i - 32, i);
  }
}

/**
 * scheme://user:password@host — the password only. Its last `@` before the host ends it, so an
 * unencoded `@` inside the password does not leave its tail visible.
 */
const USERINFO = /[^\s:@/'"`]*:([^\s/'"`]+)@[^\s@/'"`]+/dy;
const isSchemeChar = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || isDigit(c) || c === 43 || c === 45 || c === 46;

function findUrlPasswords(text: string, report: Report): void {
  for (let i = text.indexOf('://'); i !== -1; i = text.indexOf('://', i + 3)) {
    if (!isSchemeChar(text.charCodeAt(i - 1))) continue;
    USERINFO.lastIndex = i + 3;
    const m = USERINFO.exec(text);
    if (m && notStandIn(m[1]!)) report(m.indices![1]![0], m.indices![1]![1]);
  }
}

/**
 * PEM private keys: the body between the BEGIN and END lines (the labels stay, so the reader
 * still sees that a key was there). Bodies may carry real newlines or JSON-escaped ones (a pasted
 * service-account file). A block cut off before its END line still has its base64 lines
 * redacted. END lines are looked up once and reused, so a text full of BEGIN lines costs one pass.
 */
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----[ \t]*(?:\r?\n|\\n)?/g;
const PEM_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_LINES = /(?:[A-Za-z0-9+/=]{4,}[ \t]*(?:\r?\n|\\n|$))+/y;

/** Trailing line breaks belong to the layout, not to the PEM body. */
function trimLayout(text: string, start: number, end: number): number {
  for (;;) {
    const c = text.charCodeAt(end - 1);
    if (c === 10 || c === 13 || c === 32 || c === 9) end--;
    else if (c === 110 && text.charCodeAt(end - 2) === 92) end -= 2; // a literal "\n"
    else return end > start ? end : start;
  }
}

function findPemBodies(text: string, report: Report): void {
  PEM_BEGIN.lastIndex = 0;
  let end: RegExpExecArray | null | undefined;
  for (let begin = PEM_BEGIN.exec(text); begin !== null; begin = PEM_BEGIN.exec(text)) {
    const bodyStart = begin.index + begin[0].length;
    if (end !== null && (end === undefined || end.index < bodyStart)) {
      PEM_END.lastIndex = bodyStart;
      end = PEM_END.exec(text);
    }
    if (end) {
      const bodyEnd = trimLayout(text, bodyStart, end.index);
      if (bodyEnd > bodyStart) report(bodyStart, bodyEnd);
      PEM_BEGIN.lastIndex = end.index + end[0].length;
      continue;
    }
    PEM_LINES.lastIndex = bodyStart;
    const lines = PEM_LINES.exec(text);
    if (lines) report(bodyStart, trimLayout(text, bodyStart, bodyStart + lines[0].length));
  }
}

registerTriggers([], FORMAT_RULES.flatMap((r) => r.triggers));

const FOUND_BY_HAND: readonly { type: DetectorName; find: (text: string, report: Report) => void }[] = [
  { type: 'Private Key', find: findPemBodies },
  { type: 'Mailchimp Access Key', find: findMailchimpKeys },
  { type: 'Basic Auth Credentials', find: findUrlPasswords },
];

function runRule(rule: FormatRule, text: string, out: Finding[]): void {
  const { pattern, group = 0, accept, type } = rule;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const value = m[group];
    if (value === undefined || value === '' || (accept && !accept(value))) continue;
    const start = group === 0 ? m.index : m.indices![group]![0];
    out.push({ start, end: start + value.length, type, specific: true });
  }
}

/** A detector running the given rules (all of them unless some detectors are switched off). */
export function formatDetector(enabled: (type: DetectorName) => boolean = () => true): Detector {
  const rules = FORMAT_RULES.filter((r) => enabled(r.type));
  const finders = FOUND_BY_HAND.filter((f) => enabled(f.type));
  return (text, out) => {
    const { exact } = scanTriggers(text);
    for (const rule of rules) if (rule.triggers.some((t) => exact.has(t))) runRule(rule, text, out);
    for (const { type, find } of finders) find(text, (start, end) => out.push({ start, end, type, specific: true }));
  };
}
