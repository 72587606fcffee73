/** The SCIM filter subset (RFC 7644 §3.4.2.2): `eq` comparisons joined by `and`; everything else is a 400 invalidFilter. */
import { describe, expect, it } from 'vitest';
import { isVerdict } from '@sluice/plugin-sdk';
import { parseFilter } from '../src/scim-filter.js';

describe('parseFilter', () => {
  it.each([
    ['userName eq "bjensen"', [{ attr: 'username', value: 'bjensen' }]],
    ['userName Eq "Test_User_ab6490ee"', [{ attr: 'username', value: 'Test_User_ab6490ee' }]],
    ['  userName   eq   "a b"  ', [{ attr: 'username', value: 'a b' }]],
    ['userName eq "quote \\" and \\\\ backslash"', [{ attr: 'username', value: 'quote " and \\ backslash' }]],
    ['userName eq "\\u00e9t\\u00e9"', [{ attr: 'username', value: 'été' }]],
    ['emails.value eq "x@y.z"', [{ attr: 'emails.value', value: 'x@y.z' }]],
    ['externalId eq "00ujl29u0le5T6Aj10h7"', [{ attr: 'externalid', value: '00ujl29u0le5T6Aj10h7' }]],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "u"', [{ attr: 'username', value: 'u' }]],
    ['urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "g"', [{ attr: 'displayname', value: 'g' }]],
    ['userName eq "a" and externalId eq "b"', [{ attr: 'username', value: 'a' }, { attr: 'externalid', value: 'b' }]],
    ['userName eq "a" AND emails.value eq "b" and id eq "c"', [{ attr: 'username', value: 'a' }, { attr: 'emails.value', value: 'b' }, { attr: 'id', value: 'c' }]],
    ['(userName eq "a") and ((externalId eq "b"))', [{ attr: 'username', value: 'a' }, { attr: 'externalid', value: 'b' }]],
    ['active eq true', [{ attr: 'active', value: true }]],
    ['active eq False', [{ attr: 'active', value: false }]],
    ['externalId eq null', [{ attr: 'externalid', value: null }]],
    ['meta.version eq 12', [{ attr: 'meta.version', value: 12 }]],
    ['displayName eq "and"', [{ attr: 'displayname', value: 'and' }]],
  ])('%s', (filter, expected) => {
    expect(parseFilter(filter)).toEqual(expected);
  });

  it.each([
    'userName ne "a"',
    'userName co "a"',
    'userName sw "a"',
    'userName ew "a"',
    'meta.lastModified gt "2011-05-13T04:42:34Z"',
    'title pr',
    'userName eq "a" or userName eq "b"',
    'not (userName eq "a")',
    'emails[type eq "work" and value co "@example.com"]',
    'userName eq a',
    'userName eq "unterminated',
    'userName "a"',
    'eq "a"',
    '"a" eq userName',
    'userName eq "a" and',
    'userName eq "a" userName eq "b"',
    '(userName eq "a"',
    'userName eq "a")',
    'userName eq',
    '',
    'user name eq "a"',
  ])('refuses %j with a 400 invalidFilter', (filter) => {
    let thrown: unknown;
    try {
      parseFilter(filter);
    } catch (err) {
      thrown = err;
    }
    expect(isVerdict(thrown), filter).toBe(true);
    expect(thrown).toMatchObject({ status: 400, code: 'SCIM_INVALID_FILTER' });
  });
});
