import { buildTracesFrame } from './tracesFrame';
import { enterpriseTrace, traceListItem } from '../testing/fixtures';

const ds = { uid: 'kdbg', name: 'Kong Debugger' };
const ENT = traceListItem(enterpriseTrace());

describe('buildTracesFrame', () => {
  const names = (f: ReturnType<typeof buildTracesFrame>) => f.fields.map((x) => x.name);

  it("a session's list links each trace to that session and has no session column", () => {
    const frame = buildTracesFrame([ENT], { ds, sessionId: 'sess-1' });
    expect(names(frame)).not.toContain('sessionId');
    expect(frame.fields.find((f) => f.name === 'requestId')!.values).toEqual(['c0ffee0000000000000000000000beef']);
    expect(frame.fields[0].config.links![0].internal!.query).toMatchObject({ sessionId: 'sess-1' });
    expect(frame.meta?.notices).toBeUndefined();
  });

  it("a search names each row's first session, links through it, and says when it stopped at its bound", () => {
    const frame = buildTracesFrame([{ ...ENT, sessionIds: ['sess-2', 'sess-1'] }], { ds, partial: true, nextCursor: 'c' });
    expect(frame.fields.find((f) => f.name === 'sessionId')!.values).toEqual(['sess-2']);
    expect(frame.fields[0].config.links![0].internal!.query).toMatchObject({ sessionId: '${__data.fields.sessionId}' });
    expect(frame.meta?.notices?.[0].text).toMatch(/stopped at its scan bound/);
    expect(frame.meta?.custom).toMatchObject({ nextCursor: 'c' });
  });
});
