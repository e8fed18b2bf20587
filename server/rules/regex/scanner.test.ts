import { Scanner } from './scanner';

describe('Scanner', () => {
  it('walks code points, not UTF-16 units', () => {
    const sc = new Scanner('a😀b');
    expect([sc.next(), sc.ch(), sc.ch(1), sc.ch(2)]).toEqual([0x61, '😀', 'b', '']);
  });
  it('skips (?x) spaces and comments only when extended', () => {
    const sc = new Scanner('  # note\n a');
    sc.skipSpace();
    expect(sc.i).toBe(0);
    sc.extended = true;
    sc.skipSpace();
    expect(sc.ch()).toBe('a');
  });
  it('peeks past spaces without moving', () => {
    const sc = new Scanner('-  ]');
    sc.extended = true;
    expect([sc.peekSpace(), sc.i]).toEqual([']', 0]);
  });
  it('reads a braced argument or says the brace is unclosed', () => {
    const sc = new Scanner('{Greek}x');
    expect([sc.braced(), sc.ch()]).toEqual(['Greek', 'x']);
    expect(() => new Scanner('{Greek').braced()).toThrow('found an opening { with no corresponding closing }');
  });
});
