import { createHmac } from 'node:crypto';
import { sign, verifySignature } from './signature';

const body = Buffer.from('{"receiver":"kong-debugger","status":"firing","alerts":[]}');
const now = Date.parse('2026-12-06T21:00:00Z');
const ts = String(now / 1000);

describe("Grafana's webhook signature", () => {
  it('is the hex HMAC-SHA256 of the body, or of "timestamp:body" (grafana/alerting http/hmac.go)', () => {
    // computed independently of sign(), as Grafana's round tripper does
    expect(sign('s3cret', body)).toBe(createHmac('sha256', 's3cret').update(body).digest('hex'));
    expect(sign('s3cret', body, ts)).toBe(
      createHmac('sha256', 's3cret')
        .update(Buffer.concat([Buffer.from(`${ts}:`), body]))
        .digest('hex')
    );
  });

  it("accepts the default header names: the form's X-Grafana-Alerting-Signature and the code's X-Grafana-Alert-Signature", () => {
    const cfg = { secret: 's3cret' };
    expect(verifySignature(cfg, { 'x-grafana-alerting-signature': sign('s3cret', body) }, body, now)).toEqual({
      ok: true,
    });
    expect(verifySignature(cfg, { 'x-grafana-alert-signature': sign('s3cret', body) }, body, now)).toEqual({
      ok: true,
    });
  });

  it('refuses a missing, wrong or malformed signature, and another body', () => {
    const cfg = { secret: 's3cret' };
    expect(verifySignature(cfg, {}, body, now)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('missing'),
    });
    expect(verifySignature(cfg, { 'x-grafana-alerting-signature': sign('other', body) }, body, now)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('does not match'),
    });
    expect(verifySignature(cfg, { 'x-grafana-alerting-signature': 'zz' }, body, now)).toMatchObject({ ok: false });
    expect(
      verifySignature(
        cfg,
        { 'x-grafana-alerting-signature': sign('s3cret', body) },
        Buffer.concat([body, Buffer.from(' ')]),
        now
      )
    ).toMatchObject({ ok: false });
  });

  it('uses only the configured header when one is set', () => {
    const cfg = { secret: 's3cret', header: 'X-Kong-Debugger-Signature' };
    expect(verifySignature(cfg, { 'x-kong-debugger-signature': sign('s3cret', body) }, body, now)).toEqual({
      ok: true,
    });
    expect(verifySignature(cfg, { 'x-grafana-alerting-signature': sign('s3cret', body) }, body, now)).toMatchObject({
      ok: false,
    });
  });

  describe('with a timestamp header', () => {
    const cfg = { secret: 's3cret', timestampHeader: 'X-Grafana-Alerting-Timestamp' };
    const signed = (t: string) => ({
      'x-grafana-alerting-signature': sign('s3cret', body, t),
      'x-grafana-alerting-timestamp': t,
    });

    it('accepts a fresh signed timestamp', () => {
      expect(verifySignature(cfg, signed(ts), body, now)).toEqual({ ok: true });
      expect(verifySignature(cfg, signed(String(now / 1000 - 299)), body, now)).toEqual({ ok: true });
    });

    it('refuses a replay outside the window, even correctly signed', () => {
      expect(verifySignature(cfg, signed(String(now / 1000 - 301)), body, now)).toMatchObject({
        ok: false,
        reason: expect.stringContaining('replayed'),
      });
      expect(verifySignature(cfg, signed(String(now / 1000 + 3600)), body, now)).toMatchObject({ ok: false });
      expect(
        verifySignature({ ...cfg, replayWindowSeconds: 600 }, signed(String(now / 1000 - 500)), body, now)
      ).toEqual({ ok: true });
    });

    it('refuses a missing or moved timestamp, and a body-only signature', () => {
      expect(verifySignature(cfg, { 'x-grafana-alerting-signature': sign('s3cret', body) }, body, now)).toMatchObject({
        ok: false,
        reason: expect.stringContaining('timestamp header'),
      });
      expect(
        verifySignature(cfg, { ...signed(ts), 'x-grafana-alerting-timestamp': String(now / 1000 - 1) }, body, now)
      ).toMatchObject({ ok: false, reason: expect.stringContaining('does not match') });
      expect(
        verifySignature(
          cfg,
          { 'x-grafana-alerting-signature': sign('s3cret', body), 'x-grafana-alerting-timestamp': ts },
          body,
          now
        )
      ).toMatchObject({ ok: false });
      expect(verifySignature(cfg, signed('1.5e9'), body, now)).toMatchObject({
        ok: false,
        reason: expect.stringContaining('Unix seconds'),
      });
    });
  });
});
