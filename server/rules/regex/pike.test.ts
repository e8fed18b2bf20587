import { RE2JS } from 're2js';
import { Gen, prng } from '../../testing/fuzz';
import type { Node } from './ast';
import { emitRe2 } from './emit-re2';
import { parseRegex } from './parse';
import { compilePike } from './pike';
import { word } from './unicode';

const folded = (n: Node) => {
  const re = RE2JS.compile(emitRe2(n).source);
  return (cp: number) => re.testExact(String.fromCodePoint(cp));
};
const pike = (src: string) => compilePike(parseRegex(src), word(), folded);

describe('Pike VM', () => {
  it.each<[string, string, boolean]>([
    ['\\bx\\b', 'éx', false],
    ['\\bx\\b', 'é x', true],
    ['\\Bx', 'éx', true],
    ['\\b{start}é', ' é', true],
    ['\\b{start}é', 'aé', false],
    ['é\\b{end}', 'é!', true],
    ['é\\b{end}', 'éa', false],
    ['\\b{start-half}é', 'é', true],
    ['^é\\b{end-half}', 'éé', false],
    ['^é\\b{end-half}', 'é-', true],
    ['(?i)\\bσ\\b', 'Σ', true],
    ['(?m)^é$', 'x\né', true],
    ['^(a|é)*$', 'aéaé', true],
    ['^(a*)*$', 'aab', false], // an empty loop must not spin
    ['😀\\b', '😀', false], // an emoji is no word character
    ['^.{2}$', '😀😀', true], // steps by code point, not UTF-16 unit
    ['', '', true],
    ['a{2,3}b', 'aaab', true],
    ['^a{2,3}b', 'ab', false],
  ])('%s on %p → %s', (src, s, expected) => {
    expect(pike(src)(s)).toBe(expected);
  });

  // re2js is exact on ASCII input: the two engines must agree on every generated case there
  it('agrees with re2js on ASCII input for generated regexes (seeded)', () => {
    const g = new Gen(prng(0x9ec));
    const atoms = ['a', 'b', '.', '\\d', '\\w', '\\s', '[a-c]', '[^b]', '\\b', '\\B', '^', '$', '(?m)^', '(?m)$', '(?i)A', '\\b{start}', '\\b{end}', '\\b{start-half}', '\\b{end-half}'];
    const quants = ['', '', '', '*', '+', '?', '{2}', '{0,2}', '{1,}'];
    const regex = (depth: number): string => {
      let s = '';
      for (let k = 1 + g.int(4); k > 0; k--) {
        const atom = depth < 2 && g.chance(0.25) ? `(?:${regex(depth + 1)}${g.chance(0.4) ? `|${regex(depth + 1)}` : ''})` : g.pick(atoms);
        s += atom + (atom.startsWith('\\b') || atom.startsWith('\\B') || atom.endsWith('^') || atom.endsWith('$') ? '' : g.pick(quants));
      }
      return s;
    };
    const inputs = ['', 'a', 'ab', 'ba', 'a b', 'abc\nb', 'aab', ' a_1 ', 'cc', '\n', 'b-a', 'AbA'];
    let checked = 0;
    const diffs: string[] = [];
    for (let n = 0; n < 400; n++) {
      const src = regex(0);
      const ast = parseRegex(src);
      const { source, lookbehinds } = emitRe2(ast);
      const re2 = RE2JS.compile(source, lookbehinds ? RE2JS.LOOKBEHINDS : 0);
      const p = compilePike(ast, word(), folded);
      for (const s of inputs) {
        checked++;
        if (re2.test(s) !== p(s)) diffs.push(`${src} on ${JSON.stringify(s)}: re2js ${re2.test(s)}, pike ${p(s)}`);
      }
    }
    expect(checked).toBe(4800);
    expect(diffs).toEqual([]);
  });
});
