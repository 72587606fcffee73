/**
 * Finds banned keywords in text in one pass, whatever the number of keywords: the list is compiled
 * once into an Aho-Corasick automaton, flattened to a full transition table over the keywords'
 * own characters. Scanning is then one table lookup per UTF-16 code unit, with no lower-cased copy
 * of the text: case folding is built into the character classes.
 *
 * The answer is LiteLLM's: the first keyword *in list order* that occurs in the text (LiteLLM loops
 * over the list and tests `word in text.lower()`), not the leftmost occurrence.
 */

/** Where a scan ended and what it found; pass `state` to the next scan to continue a stream. */
export interface KeywordScan {
  /** Position in the list of the first listed keyword found, or -1. */
  index: number;
  /** Automaton state after the text: remembers a keyword's beginning at the end of a chunk. */
  state: number;
}

const NOTHING = 0x7fffffff;
const START = 0;

export class KeywordMatcher {
  /** The keywords as listed (blank entries dropped), for messages. */
  readonly keywords: readonly string[];
  /** Code unit → character class; 0 for characters no keyword contains (upper case folds to lower). */
  private readonly classOf: Uint16Array;
  /** Classes per state row (class 0 included). */
  private readonly width: number;
  /**
   * Row of a state (state * width) + class → row of the next state, bit-inverted (negative) when a
   * keyword ends there: the scan loop then needs no second lookup for the common, clean case.
   */
  private readonly rows: Int32Array;
  /** Lowest list index of a keyword ending in this state (own or through suffix links), NOTHING if none. */
  private readonly found: Int32Array;

  private constructor(keywords: string[], classOf: Uint16Array, width: number, rows: Int32Array, found: Int32Array) {
    this.keywords = Object.freeze(keywords);
    this.classOf = classOf;
    this.width = width;
    this.rows = rows;
    this.found = found;
  }

  get size(): number {
    return this.keywords.length;
  }

  /** Memory the tables hold: states x classes x 4 bytes, plus 128 kB of classes (~1.5 MB for 1,000 ten-letter keywords). */
  get tableBytes(): number {
    return this.rows.byteLength + this.found.byteLength + this.classOf.byteLength;
  }

  static compile(list: readonly string[]): KeywordMatcher {
    const keywords = list.filter((k) => k.length > 0);
    const folded = keywords.map((k) => k.toLowerCase());
    const { classOf, width } = characterClasses(folded);
    const maxStates = 1 + folded.reduce((n, k) => n + k.length, 0);
    const next = new Int32Array(maxStates * width).fill(-1);
    const found = new Int32Array(maxStates).fill(NOTHING);

    // The trie.
    let states = 1;
    folded.forEach((word, index) => {
      let s = START;
      for (let i = 0; i < word.length; i++) {
        const slot = s * width + classOf[word.charCodeAt(i)]!;
        if (next[slot] === -1) next[slot] = states++;
        s = next[slot]!;
      }
      if (index < found[s]!) found[s] = index;
    });

    // Suffix links, breadth first, folded into the table so a scan never follows a link.
    const link = new Int32Array(states);
    const queue = new Int32Array(states);
    let head = 0;
    let tail = 0;
    for (let c = 0; c < width; c++) {
      const v = next[c]!;
      if (v === -1) next[c] = START;
      else {
        link[v] = START;
        queue[tail++] = v;
      }
    }
    while (head < tail) {
      const u = queue[head++]!;
      if (found[link[u]!]! < found[u]!) found[u] = found[link[u]!]!;
      for (let c = 0; c < width; c++) {
        const slot = u * width + c;
        const v = next[slot]!;
        const viaLink = next[link[u]! * width + c]!;
        if (v === -1) next[slot] = viaLink;
        else {
          link[v] = viaLink;
          queue[tail++] = v;
        }
      }
    }
    const rows = new Int32Array(states * width);
    for (let slot = 0; slot < rows.length; slot++) {
      const target = next[slot]!;
      rows[slot] = found[target] === NOTHING ? target * width : ~(target * width);
    }
    return new KeywordMatcher(keywords, classOf, width, rows, found.slice(0, states));
  }

  /** The first listed keyword that occurs in `text`, or undefined. */
  find(text: string): string | undefined {
    const index = this.scan(text, START).index;
    return index === -1 ? undefined : this.keywords[index];
  }

  /** Scans `text` from `state` (START for a fresh text; a previous scan's state to continue a stream). */
  scan(text: string, state: number = START): KeywordScan {
    if (this.keywords.length === 0) return { index: -1, state: START };
    const { classOf, rows, found, width } = this;
    let row = state * width;
    let best = NOTHING;
    const length = text.length;
    for (let i = 0; i < length; i++) {
      row = rows[row + classOf[text.charCodeAt(i)]!]!;
      if (row < 0) {
        row = ~row;
        const f = found[row / width]!;
        if (f < best) {
          best = f;
          if (best === 0) break; // nothing can come before the first keyword
        }
      }
    }
    return { index: best === NOTHING ? -1 : best, state: row / width };
  }
}

/**
 * Single-unit lower case of every UTF-16 code unit (itself when its lower case is longer, as for
 * U+0130 İ). Computed once per process, so compiling a list costs table reads, not case mapping.
 */
let lowerCaseTable: Uint16Array | undefined;

function lowerCaseOf(): Uint16Array {
  if (lowerCaseTable) return lowerCaseTable;
  const table = new Uint16Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    const lower = String.fromCharCode(c).toLowerCase();
    table[c] = lower.length === 1 ? lower.charCodeAt(0) : c;
  }
  lowerCaseTable = table;
  return table;
}

/**
 * One class per distinct code unit of the (lower-cased) keywords; every code unit whose lower case
 * is one of them shares its class. Everything else is class 0 and leads back to the start.
 */
function characterClasses(folded: string[]): { classOf: Uint16Array; width: number } {
  const classOf = new Uint16Array(0x10000);
  let width = 1;
  for (const word of folded) {
    for (let i = 0; i < word.length; i++) {
      const c = word.charCodeAt(i);
      if (classOf[c] === 0) classOf[c] = width++;
    }
  }
  if (width === 1) return { classOf, width };
  const lower = lowerCaseOf();
  for (let c = 0; c < 0x10000; c++) {
    if (classOf[c] === 0) classOf[c] = classOf[lower[c]!]!;
  }
  return { classOf, width };
}
