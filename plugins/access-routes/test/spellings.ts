/**
 * Ways to write a request target for a path (`/key/generate`): what an attacker would try to slip
 * past a route rule. Some the router serves as the path, some it serves as another route, some it
 * refuses; the tests compare every one against a gateway without the rule.
 */
export interface Spelling {
  label: string;
  target: string;
}

const encodeChar = (c: string, upper = true) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')[upper ? 'toUpperCase' : 'toLowerCase']()}`;

/** `path` must be absolute with at least two segments (`/a/b`), ASCII letters. */
export function spellingsOf(path: string): Spelling[] {
  const segments = path.split('/').slice(1);
  const [first, ...rest] = segments;
  const last = segments[segments.length - 1]!;
  const head = path.slice(0, path.length - last.length);
  const letter = path.search(/[a-z]/);
  const withLetterEncoded = (upper: boolean) => path.slice(0, letter) + encodeChar(path[letter]!, upper) + path.slice(letter + 1);
  const allEncoded = path
    .split('')
    .map((c) => (c === '/' ? c : encodeChar(c)))
    .join('');
  return [
    { label: 'as is', target: path },
    { label: 'trailing slash', target: `${path}/` },
    { label: 'two trailing slashes', target: `${path}//` },
    { label: 'leading double slash', target: `/${path}` },
    { label: 'inner double slash', target: `/${first}//${rest.join('/')}` },
    { label: 'every slash doubled', target: `/${segments.join('//')}//`.replace(/^\//, '//') },
    { label: 'query', target: `${path}?x=1` },
    { label: 'empty query', target: `${path}?` },
    { label: 'query with dot-segments', target: `${path}?next=/../../admin` },
    { label: 'fragment', target: `${path}#frag` },
    { label: 'empty fragment', target: `${path}#` },
    { label: 'fragment then query', target: `${path}#x?y=1` },
    { label: 'letter %-encoded (upper hex)', target: withLetterEncoded(true) },
    { label: 'letter %-encoded (lower hex)', target: withLetterEncoded(false) },
    { label: 'every character %-encoded', target: allEncoded },
    { label: 'encoded slash', target: `/${first}%2F${rest.join('/')}` },
    { label: 'encoded slash (lower hex)', target: `/${first}%2f${rest.join('/')}` },
    { label: 'double-encoded letter', target: path.slice(0, letter) + '%25' + path.charCodeAt(letter).toString(16) + path.slice(letter + 1) },
    { label: 'dot-dot segment', target: `/x/..${path}` },
    { label: 'dot segment', target: `${head}./${last}` },
    { label: 'leading dot segment', target: `/.${path}` },
    { label: 'trailing dot segment', target: `${path}/.` },
    { label: 'trailing dot-dot segment', target: `${path}/x/..` },
    { label: 'encoded dot-dot', target: `/x/%2e%2e${path}` },
    { label: 'encoded dot-dot (upper)', target: `/x/%2E%2E${path}` },
    { label: 'upper case', target: path.toUpperCase() },
    { label: 'first segment capitalised', target: `/${first!.charAt(0).toUpperCase()}${first!.slice(1)}/${rest.join('/')}` },
    { label: 'matrix parameter', target: `${path};jsessionid=1` },
    { label: 'matrix parameter mid-path', target: `/${first};x=1/${rest.join('/')}` },
    { label: 'absolute form', target: `http://localhost${path}` },
    { label: 'absolute form, upper-case scheme', target: `HTTP://localhost${path}` },
    { label: 'absolute form with query', target: `http://localhost${path}?a=b` },
    { label: 'raw unicode letter', target: `${head}é${last}` },
    { label: 'encoded unicode (é)', target: `${head}%C3%A9${last}` },
    { label: 'fullwidth letter', target: path.slice(0, letter) + '%EF%BD%8B' + path.slice(letter + 1) },
    { label: 'overlong UTF-8 slash', target: `/${first}%C0%AF${rest.join('/')}` },
    { label: 'overlong UTF-8 letter', target: path.slice(0, letter) + '%C1%AB' + path.slice(letter + 1) },
    { label: 'encoded NUL', target: `${path}%00` },
    { label: 'encoded NUL mid-path', target: `/${first}%00/${rest.join('/')}` },
    { label: 'malformed escape at end', target: `${path}%` },
    { label: 'malformed escape', target: `${path}%zz` },
    { label: 'encoded backslash', target: `/${first}%5C${rest.join('/')}` },
    { label: 'backslash', target: `/${first}\\${rest.join('/')}` },
    { label: 'encoded space at end', target: `${path}%20` },
    { label: 'encoded ? in path', target: `${path}%3Fx=1` },
    { label: 'encoded # in path', target: `${path}%23x` },
    { label: 'overlong: 3000 slashes at the end', target: `${path}${'/'.repeat(3000)}` },
    { label: 'overlong: 3000 slashes in front', target: `${'/'.repeat(3000)}${path.slice(1)}` },
    { label: 'overlong query', target: `${path}?q=${'a'.repeat(6000)}` },
  ];
}
