/**
 * One pass over a text that tells every detector which of its trigger literals the text holds, so
 * a regex runs only on texts that contain a literal each of its matches must contain. Two kinds of
 * literal (3+ characters): keywords, found in the lower-cased text (gitleaks' semantics), and
 * exact literals, case-sensitive (`AKIA`, `eyJ`, `sk-`), for regexes without the `i` flag.
 *
 * Literals are indexed by their first three lower-cased characters in a 2^21-bit set, so each
 * position costs a rolling code and one bit test, and only positions that start some literal are
 * compared. (One alternation regex of the ~300 literals costs about twice as much on a 10 kB
 * prompt; a search per literal, 20 times.) The detectors of one redaction share the pass: the
 * last text's answer is kept until forgetTriggers(), which each redaction calls first (so a text
 * redacted twice, as a benchmark does, pays the pass each time, as different texts would).
 */

export interface Triggers {
  /** The text lower-cased (its length differs from the text's when some non-ASCII letters lower-case to two characters). */
  lower: string;
  /** The keywords (lower-case) that the lower-cased text holds. */
  keywords: ReadonlySet<string>;
  /** The exact literals that the text holds (every one of them when lower-casing changed the text's length). */
  exact: ReadonlySet<string>;
}

interface Entry {
  word: string;
  lower: string;
  exact: boolean;
}

const keywordList = new Set<string>();
const exactList = new Set<string>();
let index: { starts: Int32Array; byCode: Map<number, Entry[]> } | undefined;
let lastText: string | undefined;
let lastTriggers: Triggers | undefined;

/** Adds literals to the pass; called at module load by the detectors that use them. */
export function registerTriggers(keywords: Iterable<string>, exact: Iterable<string> = []): void {
  for (const k of keywords) if (k.length >= 3) keywordList.add(k);
  for (const e of exact) {
    if (e.length < 3) throw new Error(`trigger literal ${JSON.stringify(e)} is shorter than 3 characters`);
    exactList.add(e);
  }
  index = undefined;
  lastText = undefined;
}

const code3 = (a: number, b: number, c: number) => ((a & 0x7f) << 14) | ((b & 0x7f) << 7) | (c & 0x7f);

function build(): NonNullable<typeof index> {
  const byCode = new Map<number, Entry[]>();
  const add = (word: string, exact: boolean) => {
    const lower = word.toLowerCase();
    const code = code3(lower.charCodeAt(0), lower.charCodeAt(1), lower.charCodeAt(2));
    const list = byCode.get(code);
    const entry = { word, lower, exact };
    if (list) list.push(entry);
    else byCode.set(code, [entry]);
  };
  for (const k of keywordList) add(k, false);
  for (const e of exactList) add(e, true);
  const starts = new Int32Array(1 << 16);
  for (const code of byCode.keys()) starts[code >>> 5] |= 1 << (code & 31);
  return { starts, byCode };
}

/** Drops the kept answer (and the reference to its text). */
export function forgetTriggers(): void {
  lastText = undefined;
  lastTriggers = undefined;
}

export function scanTriggers(text: string): Triggers {
  if (text === lastText && lastTriggers) return lastTriggers;
  const { starts, byCode } = (index ??= build());
  const lower = text.toLowerCase();
  const keywords = new Set<string>();
  const exact = new Set<string>();
  // Non-ASCII letters can change length when lower-cased: positions then differ, so every
  // exact literal found case-insensitively is taken as present (a regex runs for nothing at worst).
  const aligned = lower.length === text.length;
  let code = ((lower.charCodeAt(0) & 0x7f) << 7) | (lower.charCodeAt(1) & 0x7f);
  for (let i = 2; i < lower.length; i++) {
    code = ((code << 7) | (lower.charCodeAt(i) & 0x7f)) & 0x1fffff;
    if ((starts[code >>> 5] & (1 << (code & 31))) === 0) continue;
    for (const e of byCode.get(code)!) {
      if (!lower.startsWith(e.lower, i - 2)) continue;
      if (!e.exact) keywords.add(e.word);
      else if (!aligned || text.startsWith(e.word, i - 2)) exact.add(e.word);
    }
  }
  lastText = text;
  lastTriggers = { lower, keywords, exact };
  return lastTriggers;
}
