import { RE2JS } from 're2js';
import { emitRe2, RE2_MAX_REPEAT } from './emit-re2';
import { compileRegex, MAX_POSITIONS } from './index';
import { parseRegex } from './parse';

const emit = (src: string) => emitRe2(parseRegex(src));

describe('emitRe2: AST → RE2 syntax', () => {
  it('writes classes as explicit ranges and folds with (?i:…)', () => {
    expect(emit('[a-c]').source).toBe('[\\x{61}-\\x{63}]');
    expect(emit('(?i)[^a]').source).toBe('(?i:[^\\x{61}])');
    expect(emit('(?i)ab').source).toBe('(?i:\\x{61})(?i:\\x{62})');
    expect(emit('[a&&b]').source).toBe('[^\\x00-\\x{10ffff}]'); // empty set: matches nothing
  });
  it('anchors as Rust: ^ $ are \\A \\z unless (?m)', () => {
    expect(emit('^a$').source).toBe('\\A\\x{61}\\z');
    expect(emit('(?m)^a$').source).toBe('(?m:^)\\x{61}(?m:$)');
  });
  it('keeps counted repetitions counted; the size bound keeps them under RE2’s cap', () => {
    expect(emit('a{3}').source).toBe('(?:\\x{61}){3}');
    expect(emit('a{2,}b{0,4}c*d+').source).toBe('(?:\\x{61}){2,}(?:\\x{62}){0,4}(?:\\x{63})*(?:\\x{64})+');
    expect(MAX_POSITIONS).toBeLessThanOrEqual(RE2_MAX_REPEAT);
    // the largest counts and nests the bound lets through compile on re2js
    for (const src of [`a{${MAX_POSITIONS - 2}}`, '(?:(?:a{7}){7}){7}', `a{0,${MAX_POSITIONS - 2}}`]) {
      expect(compileRegex(src).ok).toBe(true);
    }
  });
  it('needs re2js lookbehinds only for the half and directional word boundaries', () => {
    expect(emit('\\ba\\B').lookbehinds).toBe(false);
    for (const src of ['\\b{start}a', 'a\\b{end}', '\\<a\\>', '\\b{start-half}a', 'a\\b{end-half}']) {
      const p = emit(src);
      expect(p.lookbehinds).toBe(true);
      expect(() => RE2JS.compile(p.source, RE2JS.LOOKBEHINDS)).not.toThrow();
    }
  });
});
