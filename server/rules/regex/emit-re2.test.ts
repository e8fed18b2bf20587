import { RE2JS } from 're2js';
import { emitRe2 } from './emit-re2';
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
  it('keeps counted repetitions up to RE2’s cap of 1000 (nest included) and splits larger ones', () => {
    expect(emit('a{1000}').source).toBe('(?:\\x{61}){1000}');
    expect(emit('a{2500}').source).toBe('(?:\\x{61}){1000}(?:\\x{61}){1000}(?:\\x{61}){500}');
    expect(emit('a{1,1200}').source).toBe('(?:\\x{61}){1}(?:\\x{61}){0,1000}(?:\\x{61}){0,199}');
    // 100 inside {12}: at most 1000 / 12 = 83 per chunk
    expect(emit('(?:a{100}){12}').source).toBe('(?:(?:\\x{61}){83}(?:\\x{61}){17}){12}');
    for (const src of ['a{2500}', 'a{1,1200}', '(?:a{100}){12}', '(?:(?:a{10}){10}){11}', 'a{1001,}']) {
      expect(() => RE2JS.compile(emit(src).source)).not.toThrow();
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
