#!/usr/bin/env node
// Converts gitleaks' rule set (gitleaks.toml, Go RE2 regexes) into gitleaks-rules.json, the data the
// hide_secrets guardrail runs. The JSON is committed: nothing is fetched or converted at run time.
//   node plugins/guardrail-hide-secrets/rules/convert-gitleaks.mjs [path/to/gitleaks.toml]
// `--check` converts in memory and fails when the committed JSON is stale.
// What changes on the way: inline RE2 flags become JavaScript ones (`(?i)` over the whole pattern
// becomes the `i` flag; `(?i:…)`, `(?-i:…)` and mid-pattern `(?i)` are expanded into explicit
// letter classes, which Node 20 cannot express otherwise), `(?s:…)` turns its dots into
// `[\s\S]`, `\z` becomes `$`, unbounded `.*` runs get a bound (see boundAnyRuns), and the
// leading `[\w.-]{0,50}?` of the keyword rules goes: it only widens the match to the left, never
// decides whether there is one, and costs a retry per position. Rules whose first group is not
// the secret are fixed (SECRET_GROUP_FIXES). Rules and allowlists tied to file paths are dropped
// (a prompt has no path).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const check = args.includes('--check');
const source = args.find((a) => !a.startsWith('--')) ?? join(here, 'gitleaks.toml');
const target = join(here, 'gitleaks-rules.json');

// ---- The TOML subset gitleaks.toml is written in: tables, arrays of tables, strings, numbers, arrays.

function parseToml(text) {
  const root = {};
  let table = root;
  let i = 0;
  const skipSpace = () => {
    for (;;) {
      while (i < text.length && /[ \t\r\n,]/.test(text[i])) i++;
      if (text[i] === '#') while (i < text.length && text[i] !== '\n') i++;
      else return;
    }
  };
  const readValue = () => {
    skipSpace();
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      const v = text.slice(i + 3, end);
      i = end + 3;
      return v;
    }
    if (text[i] === "'") {
      const end = text.indexOf("'", i + 1);
      const v = text.slice(i + 1, end);
      i = end + 1;
      return v;
    }
    if (text[i] === '"') {
      let v = '';
      for (i++; text[i] !== '"'; i++) {
        if (text[i] === '\\') {
          i++;
          v += { n: '\n', t: '\t', '"': '"', '\\': '\\' }[text[i]] ?? text[i];
        } else v += text[i];
      }
      i++;
      return v;
    }
    if (text[i] === '[') {
      i++;
      const out = [];
      for (skipSpace(); text[i] !== ']'; skipSpace()) out.push(readValue());
      i++;
      return out;
    }
    const m = /^[-+0-9.eE]+|^true|^false/.exec(text.slice(i));
    i += m[0].length;
    return m[0] === 'true' ? true : m[0] === 'false' ? false : Number(m[0]);
  };
  for (skipSpace(); i < text.length; skipSpace()) {
    const header = /^\[\[?([\w.]+)\]\]?/.exec(text.slice(i, i + 100));
    if (header) {
      i += header[0].length;
      const path = header[1].split('.');
      const isArray = header[0].startsWith('[[');
      let parent = root;
      for (const key of path.slice(0, -1)) {
        const node = parent[key];
        parent = Array.isArray(node) ? node[node.length - 1] : node;
      }
      const last = path[path.length - 1];
      if (isArray) (parent[last] ??= []).push((table = {}));
      else parent[last] = table = {};
      continue;
    }
    const key = /^[\w-]+/.exec(text.slice(i, i + 100))[0];
    i += key.length;
    skipSpace();
    if (text[i] !== '=') throw new Error(`expected = after ${key} at ${i}`);
    i++;
    table[key] = readValue();
  }
  return root;
}

// ---- RE2 to JavaScript.

const isLetter = (c) => /[A-Za-z]/.test(c);
const otherCase = (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());

/** A character class read from `src` at `at` (just past `[`); returns the JS text and where it ends. */
function translateClass(src, at, expandCase) {
  let i = at;
  let out = '[';
  if (src[i] === '^') {
    out += '^';
    i++;
  }
  const extra = [];
  let first = true;
  while (first || src[i] !== ']') {
    first = false;
    if (src.startsWith('[:', i)) {
      const end = src.indexOf(':]', i);
      const name = src.slice(i + 2, end);
      out += { alnum: 'A-Za-z0-9', alpha: 'A-Za-z', digit: '0-9', upper: 'A-Z', lower: 'a-z', space: '\\s', word: '\\w', xdigit: '0-9A-Fa-f' }[name];
      i = end + 2;
      continue;
    }
    let item;
    if (src[i] === '\\') {
      item = src.slice(i, i + 2);
      if (src[i + 1] === 'x') item = src.slice(i, i + 4);
      i += item.length;
    } else {
      item = src[i++];
    }
    if (src[i] === '-' && src[i + 1] !== ']' && !item.startsWith('\\')) {
      const hi = src[i + 1] === '\\' ? src.slice(i + 1, i + 3) : src[i + 1];
      i += 1 + hi.length;
      out += `${item}-${hi}`;
      if (expandCase && item.length === 1 && hi.length === 1) {
        const lo = Math.max(item.charCodeAt(0), 97);
        const up = Math.min(hi.charCodeAt(0), 122);
        if (lo <= up) extra.push(`${String.fromCharCode(lo - 32)}-${String.fromCharCode(up - 32)}`);
        const lo2 = Math.max(item.charCodeAt(0), 65);
        const up2 = Math.min(hi.charCodeAt(0), 90);
        if (lo2 <= up2) extra.push(`${String.fromCharCode(lo2 + 32)}-${String.fromCharCode(up2 + 32)}`);
      }
      continue;
    }
    out += item === ']' ? '\\]' : item;
    if (expandCase && item.length === 1 && isLetter(item)) extra.push(otherCase(item));
  }
  return { text: out + extra.join('') + ']', end: i + 1 };
}

/**
 * Translates a pattern. With `expandCase`, case-insensitive regions are spelled out letter by
 * letter; without it, the caller has checked the whole pattern is one case mode.
 */
function translate(src, expandCase, initialCi) {
  let out = '';
  const stack = [];
  let ci = initialCi;
  let dotAll = false;
  const applyFlags = (flags) => {
    let on = true;
    for (const f of flags) {
      if (f === '-') on = false;
      else if (f === 'i') ci = on;
      else if (f === 's') dotAll = on;
      else throw new Error(`unsupported flag ${f} in ${src}`);
    }
  };
  for (let i = 0; i < src.length; ) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1];
      if (n === 'z') out += '$';
      else if (n === 'A') out += '^';
      else if (n === 'Q' || n === 'p' || n === 'P' || n === 'C') throw new Error(`unsupported escape \\${n} in ${src}`);
      else if (n === 'x') {
        out += src.slice(i, i + 4);
        i += 4;
        continue;
      } else out += src.slice(i, i + 2);
      i += 2;
    } else if (c === '[') {
      const cls = translateClass(src, i + 1, expandCase && ci);
      out += cls.text;
      i = cls.end;
    } else if (c === '(') {
      const flagged = /^\(\?([is-]+)([:)])/.exec(src.slice(i));
      if (flagged && flagged[2] === ')') {
        if (!expandCase) throw new Error(`mixed case modes need expandCase: ${src}`);
        applyFlags(flagged[1]);
        i += flagged[0].length;
        continue;
      }
      stack.push({ ci, dotAll });
      if (flagged) {
        if (!expandCase && flagged[1].includes('i')) throw new Error(`mixed case modes need expandCase: ${src}`);
        applyFlags(flagged[1]);
        out += '(?:';
        i += flagged[0].length;
      } else if (src.startsWith('(?P<', i)) {
        out += '(?<';
        i += 4;
      } else {
        out += '(';
        i++;
      }
    } else if (c === ')') {
      ({ ci, dotAll } = stack.pop());
      out += ')';
      i++;
    } else if (c === '{') {
      // A repetition ({n}, {n,m}) or a literal brace; either way no letters inside to expand.
      const rep = /^\{\d*(?:,\d*)?\}/.exec(src.slice(i));
      const len = rep ? rep[0].length : 1;
      out += rep ? rep[0] : '\\{';
      i += len;
    } else if (c === '}') {
      out += '\\}';
      i++;
    } else if (c === '.' && dotAll) {
      out += '[\\s\\S]';
      i++;
    } else if (expandCase && ci && isLetter(c)) {
      out += `[${c}${otherCase(c)}]`;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  if (stack.length !== 0) throw new Error(`unbalanced groups in ${src}`);
  return out;
}

/**
 * RE2 runs in linear time whatever the pattern; JavaScript backtracks. An unbounded `.*` before
 * more pattern (gitleaks' curl rules) tries every line end from every start: text repeating
 * `curl ` made those two rules quadratic (4 s on 100 kB). Bounded to a line's worth, each start
 * costs at most that much.
 */
const MAX_ANY_RUN = 256;
const boundAnyRuns = (src) => src.replace(/(?<!\\)\.([*+])(\??)/g, (_, q, lazy) => `.{${q === '+' ? 1 : 0},${MAX_ANY_RUN}}${lazy}`);

/** `{source, flags}` for a JavaScript RegExp equivalent to the RE2 pattern. */
export function toJavaScript(re2) {
  const src = boundAnyRuns(re2).replace(/^((?:\(\?i\))?(?:\(\?i:)?)\[\\w\.-\]\{0,50\}\?/, '$1').replace(/^((?:\(\?i\))?(?:\(\?i:)?)\[\\w\.-\]\{0,50\}\?/, '$1');
  const rest = src.startsWith('(?i)') ? src.slice(4) : undefined;
  let out;
  if (rest !== undefined && !/\(\?[a-z]*-|\(\?[a-z]*s|\(\?i\)/.test(rest)) out = { source: translate(rest, false, true), flags: 'i' };
  else if (!/\(\?[a-z-]*[is]/.test(src)) out = { source: translate(src, false, false), flags: '' };
  else out = { source: translate(src, true, false), flags: '' };
  new RegExp(out.source, out.flags); // throws on anything JavaScript does not accept
  return out;
}

// ---- Rules.

/**
 * Rules whose first capture group is not the secret: gitleaks would report `login` for Sonar, a
 * UUID fragment for a Teams webhook, a header fragment for a base64 JWT. Those groups only repeat
 * or alternate, so they are made non-capturing and the secret is the value group or the match.
 */
const SECRET_GROUP_FIXES = {
  'microsoft-teams-webhook': (src) => src.replaceAll('([a-z0-9]{4}-)', '(?:[a-z0-9]{4}-)'),
  'jwt-base64': (src) => src.replace(/\(\?<\w+>/g, '(?:'),
  'sonar-api-token': (src) => src.replace('(login|token)', '(?:login|token)'),
};

/**
 * Alternatives that cannot be told from ordinary text: Sourcegraph's legacy tokens are bare 40-hex
 * strings, i.e. git SHAs, and a prompt that names Sourcegraph is likely to hold commits.
 */
const PRECISION_FIXES = {
  'sourcegraph-access-token': (src) => src.replace('|[a-fA-F0-9]{40})', ')'),
};

function regexOf(rule) {
  const regex = toJavaScript(rule.regex);
  const fix = SECRET_GROUP_FIXES[rule.id] ?? PRECISION_FIXES[rule.id];
  if (!fix) return regex;
  const source = fix(regex.source);
  if (source === regex.source) throw new Error(`the fix for ${rule.id} no longer applies: check the upstream rule`);
  return { source, flags: regex.flags };
}

const ACRONYMS = {
  api: 'API', url: 'URL', id: 'ID', pat: 'PAT', aws: 'AWS', gcp: 'GCP', jwt: 'JWT', ptt: 'PTT', rrt: 'RRT', scim: 'SCIM',
  ci: 'CI', cicd: 'CI/CD', ca: 'CA', ad: 'AD', tf: 'TF', yaml: 'YAML', pkcs12: 'PKCS#12', oauth: 'OAuth', github: 'GitHub',
  gitlab: 'GitLab', npm: 'npm', pypi: 'PyPI', openai: 'OpenAI', huggingface: 'Hugging Face', hashicorp: 'HashiCorp',
  droneci: 'Drone CI', travisci: 'Travis CI', digitalocean: 'DigitalOcean', launchdarkly: 'LaunchDarkly', sendgrid: 'SendGrid',
  linkedin: 'LinkedIn', messagebird: 'MessageBird', planetscale: 'PlanetScale', rubygems: 'RubyGems', sendinblue: 'Sendinblue',
  sourcegraph: 'Sourcegraph', gocardless: 'GoCardless', freshbooks: 'FreshBooks', nytimes: 'NYTimes', privateai: 'PrivateAI',
  rapidapi: 'RapidAPI', readme: 'ReadMe', easypost: 'EasyPost', flyio: 'Fly.io', frameio: 'Frame.io', clickhouse: 'ClickHouse',
  settlemint: 'SettleMint', sumologic: 'Sumo Logic', kucoin: 'KuCoin', '1password': '1Password', v2: 'v2',
};

/** `slack-webhook-url` → `Slack Webhook URL`: the name a warning logs (never the value). */
function nameOf(id) {
  return id
    .split('-')
    .map((w) => ACRONYMS[w] ?? w[0].toUpperCase() + w.slice(1))
    .join(' ');
}

function convertAllowlist(list) {
  const regexes = (list.regexes ?? []).map(toJavaScript);
  const stopwords = (list.stopwords ?? []).map((w) => w.toLowerCase());
  const condition = (list.condition ?? 'OR').toUpperCase();
  // Paths cannot match a prompt: an AND list needing one never applies, an OR list keeps the rest.
  if ((list.paths?.length && condition === 'AND') || (regexes.length === 0 && stopwords.length === 0)) return undefined;
  return {
    ...(condition === 'AND' ? { condition } : {}),
    ...(list.regexTarget ? { regexTarget: list.regexTarget } : {}),
    ...(regexes.length ? { regexes } : {}),
    ...(stopwords.length ? { stopwords } : {}),
  };
}

function convert(toml) {
  const config = parseToml(toml);
  const rules = config.rules
    // Rules gitleaks applies only to some files (`path`: *.tf, nuget.config, Kubernetes YAML, PKCS#12
    // files) would run on every prompt here, without the file type that keeps them precise.
    .filter((r) => r.regex !== undefined && !r.path)
    .map((r) => {
      const allowlists = (r.allowlists ?? []).map(convertAllowlist).filter(Boolean);
      return {
        id: r.id,
        name: nameOf(r.id),
        description: r.description,
        regex: regexOf(r),
        ...(r.secretGroup ? { secretGroup: r.secretGroup } : {}),
        ...(r.entropy ? { entropy: r.entropy } : {}),
        keywords: (r.keywords ?? []).map((k) => k.toLowerCase()),
        ...(allowlists.length ? { allowlists } : {}),
      };
    });
  return {
    source: 'gitleaks v8.28.0 config/gitleaks.toml (MIT, Copyright (c) 2019 Zachary Rice); see NOTICE',
    generatedBy: 'plugins/guardrail-hide-secrets/rules/convert-gitleaks.mjs — do not edit',
    allowlist: convertAllowlist(config.allowlist ?? {}) ?? {},
    rules,
  };
}

const json = JSON.stringify(convert(readFileSync(source, 'utf8')), null, 1) + '\n';
if (check) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== json) {
    console.error(`${target} is stale: run node ${fileURLToPath(import.meta.url)}`);
    process.exit(1);
  }
} else {
  writeFileSync(target, json);
  console.log(`wrote ${target}`);
}
