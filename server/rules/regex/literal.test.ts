import { literalMatcher } from './literal';
import { parseRegex } from './parse';

const lit = (src: string) => literalMatcher(parseRegex(src));

describe('literal regexes answered with string operations', () => {
  it.each<[string, string, boolean]>([
    ['^/v1/', '/v1/orders', true],
    ['^/v1/', '/api/v1/', false],
    ['/orders$', '/v1/orders', true],
    ['/orders$', '/v1/orders/', false],
    ['^GET$', 'GET', true],
    ['^GET$', 'GETS', false],
    ['admin', '/x/admin/y', true],
    ['\\.json$', 'a.json', true],
    ['\\.json$', 'ajson', false],
    ['^$', '', true],
    ['^$', 'x', false],
    ['😀', 'a😀b', true],
    ['(?x) a b', 'ab', true],
  ])('%s on %p → %s', (src, s, expected) => {
    const m = lit(src);
    expect(m).toBeDefined();
    expect(m!(s)).toBe(expected);
  });
  it.each(['a+', '(?i)get', '^a|b$', '[a]', '.', 'a^', '(?m)^a', '\\ba', ''])('leaves %s to the regex engine', (src) => {
    expect(lit(src)).toBeUndefined();
  });
});
