/**
 * The redaction function on its own, for what the corpus does not show: a secret repeated
 * later in the text, a truncated PEM block, a second pass over redacted text, detectors switched
 * off, and inputs built to make a regex engine backtrack (the cost must stay linear).
 */
import { describe, expect, it } from 'vitest';
import { createSecretRedactor, redactSecrets } from '../src/redact-secrets.js';
import { RULE_DATA } from '../src/rule-set.js';

const token = 'ghp_' + 'Rm3Kx8Qz1Lp7Vt4Wn9Yb2Hc6Fj5Gd0Sa3Ue8';

/** Texts that make every rule of the rule set run, at every keyword (gitleaks' curl rules were quadratic on these). */
function rulesetInputs(fill: (unit: string) => string): Record<string, string> {
  const keywords = [...new Set(RULE_DATA.flatMap((r) => r.keywords))];
  return {
    'every rule keyword, spaced': fill(keywords.join(' ') + ' '),
    'every rule keyword, assigned': fill(keywords.join('= ') + '= '),
    'every rule keyword, one a line': fill(keywords.join(' -H\n') + '\n'),
    'every rule keyword, glued to token characters': fill(keywords.join('a1_') + 'a1_'),
    'curl commands that never get to their header': fill('curl -u x '),
  };
}

describe('redactSecrets', () => {
  it('a secret found once is redacted wherever else it appears, and reported once', () => {
    expect(redactSecrets(`my token is ${token}; again, the token ${token} does not work`)).toEqual({
      text: 'my token is [REDACTED]; again, the token [REDACTED] does not work',
      types: ['GitHub Token'],
    });
    // The second Qx7… is in no keyword position; it goes because the first one was found.
    expect(redactSecrets(`DEPLOY_TOKEN=Qx7mL2pW9zR4 … then I pasted Qx7mL2pW9zR4 into the form, and ${token}`)).toEqual({
      text: 'DEPLOY_TOKEN=[REDACTED] … then I pasted [REDACTED] into the form, and [REDACTED]',
      types: ['Secret Keyword', 'GitHub Token'],
    });
  });

  it('short values are not hunted elsewhere (that would mangle ordinary text)', () => {
    expect(redactSecrets('pwd=ab12x7 and later ab12x7 again').text).toBe('pwd=[REDACTED] and later ab12x7 again');
  });

  it('a PEM block cut off before its END line still loses its body', () => {
    const text = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDk1pPmxw2nXAV0dvNa8QQ8\n(the rest got cut off)';
    expect(redactSecrets(text)).toEqual({
      text: '-----BEGIN OPENSSH PRIVATE KEY-----\n[REDACTED]\n(the rest got cut off)',
      types: ['Private Key'],
    });
  });

  it('a second pass finds nothing new', () => {
    const first = redactSecrets(`API_KEY = 'sk_1234567890abcdef', postgres://app:S3cretPw9@db/x, Authorization: Bearer ${token}`);
    expect(first.types).toEqual(['Secret Keyword', 'Basic Auth Credentials', 'GitHub Token']);
    expect(redactSecrets(first.text)).toEqual({ text: first.text, types: [] });
  });

  it('switched-off detectors do not run; an unknown name is refused', () => {
    const noKeyword = createSecretRedactor({ disabled: ['Secret Keyword'] });
    expect(noKeyword(`password=hunter22 and ${token}`).text).toBe('password=hunter22 and [REDACTED]');
    expect(() => createSecretRedactor({ disabled: ['Secret Keywords' as never] })).toThrow('unknown secret detector "Secret Keywords"');
  });

  it('stays linear on 1 MB inputs built against it', () => {
    const MB = 1 << 20;
    const fill = (unit: string) => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);
    const inputs = {
      'rejected values full of hints': fill('token=...'),
      'BEGIN lines without END': fill('-----BEGIN RSA PRIVATE KEY-----\n'),
      'a password that never meets its @': `x://u:${'p'.repeat(MB)}`,
      'one long token-like run': `eyJ${'a'.repeat(MB)}`,
      'twenty thousand distinct secrets': Array.from({ length: 20000 }, (_, i) => `pwd=Sec${i}ret${i}x`).join(' '),
      'names followed by long blanks': fill(`password${' '.repeat(200)}`),
      // The rule set runs the rules whose keywords are present: here, all of them, over and over.
      ...rulesetInputs(fill),
    };
    const slow: string[] = [];
    for (const [name, text] of Object.entries(inputs)) {
      const started = performance.now();
      redactSecrets(text);
      const ms = performance.now() - started;
      // ~10-100 ms on a shared 2-core machine; a quadratic path would take minutes.
      if (ms > 2000) slow.push(`${name}: ${Math.round(ms)} ms`);
    }
    expect(slow).toEqual([]);
  });
});
