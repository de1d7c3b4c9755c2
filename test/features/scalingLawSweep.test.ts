import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { settingToString } from '../../src/quant/setting';
import { loadSweep, parseSweep, sweepNotices, SweepFormatError } from '../../src/features/scaling-law/sweepFile';

const fixture = JSON.parse(
  readFileSync(new URL('../../e2e/fixtures/mnist-sweep.fixture.json', import.meta.url), 'utf8'),
);

const respond = (body: string, init: ResponseInit) => (async () => new Response(body, init)) as unknown as typeof fetch;

describe('sweep file', () => {
  it('accepts the fixture sweep and names the first problem of a broken one', () => {
    expect(parseSweep(fixture).sweep.points.length).toBe(fixture.points.length);
    const broken = structuredClone(fixture);
    delete broken.points[5].computeBits;
    expect(() => parseSweep(broken)).toThrow(SweepFormatError);
    expect(() => parseSweep(broken)).toThrow(/point 5 \(mnist-var-d1 Wfp4g32\) has no number computeBits/);
    expect(() => parseSweep({ ...fixture, formatVersion: 3 })).toThrow(/formatVersion is 3/);
    expect(() => parseSweep([])).toThrow(/not a JSON object/);
    const wrongFamily = structuredClone(fixture);
    wrongFamily.points[0].family = 'gan';
    expect(() => parseSweep(wrongFamily)).toThrow(/family "gan"/);
  });

  it('parses each setting once, and leaves out (with a notice) a row whose setting this build cannot read', () => {
    const { sweep, unreadable } = parseSweep(fixture);
    expect(unreadable).toEqual([]);
    const first = sweep.points[0]!;
    expect(typeof first.setting).toBe('object');
    expect(settingToString(first.setting)).toBe(fixture.points[0].setting);
    const newer = structuredClone(fixture);
    newer.points[2].setting = 'W4g32-zz9';
    const parsed = parseSweep(newer);
    expect(parsed.sweep.points.length).toBe(fixture.points.length - 1);
    expect(parsed.unreadable).toEqual([
      expect.stringMatching(/^\S+ W4g32-zz9: "W4g32-zz9" is not a quantisation setting/),
    ]);
    expect(sweepNotices(parsed.sweep, parsed.unreadable)[0]).toMatch(/^1 points are not drawn: .*W4g32-zz9/);
  });

  it('loads formatVersion 1 files (the fixture, the shipped sweep) with a notice, not an error', () => {
    const shipped = JSON.parse(readFileSync(new URL('../../public/sweeps/mnist-sweep.json', import.meta.url), 'utf8'));
    for (const old of [fixture, shipped]) {
      expect(old.formatVersion).toBe(1);
      const { sweep } = parseSweep(old);
      const notices = sweepNotices(sweep);
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/one whole class.*too wide.*no KID and no real-data floor/);
    }
  });

  it('reads formatVersion 2: KID, engine and the real-data floor, and says what a file lacks', () => {
    const floor = { samples: 200, fd: 9.5, fdStdErr: 0.4, kid: 0.0004, kidSe: 0.0002, source: '200 training digits' };
    const points = fixture.points.map((p: object) => ({
      ...p,
      kid: 0.01,
      kidSe: 0.002,
      kidLeaveOut: [0.01, 0.012],
      engine: 'webgpu',
    }));
    const v2 = { ...fixture, formatVersion: 2, realDataFloor: floor, points };
    expect(sweepNotices(parseSweep(v2).sweep)).toEqual([]);
    expect(parseSweep(v2).sweep.realDataFloor).toEqual(floor);
    const lacking = structuredClone(v2);
    delete lacking.realDataFloor;
    delete lacking.points[0].kid;
    delete lacking.points[0].kidSe;
    delete lacking.points[1].engine;
    expect(sweepNotices(parseSweep(lacking).sweep)).toEqual([
      `1 of ${points.length} points have no KID (measured with a classifier bundle without a KID reference).`,
      'This file has no real-data floor at N = 200, so no floor band is drawn.',
      `1 of ${points.length} points do not say which engine measured them.`,
    ]);
    expect(sweepNotices(parseSweep({ ...v2, realDataFloor: { ...floor, samples: 100 } }).sweep)).toEqual([
      'The real-data floor was measured at N = 100, the points at N = 200: FD is not comparable across N, so no floor band is drawn.',
    ]);
    const bad = (mutate: (f: typeof v2) => void) => {
      const f = structuredClone(v2);
      mutate(f);
      return () => parseSweep(f);
    };
    expect(bad((f) => (f.points[3].kid = 'x'))).toThrow(/point 3 .* kid that is not a number/);
    expect(bad((f) => delete f.points[3].kidSe)).toThrow(/one of kid and kidSe without the other/);
    expect(bad((f) => (f.points[3].kidLeaveOut = [1, 'a']))).toThrow(/kidLeaveOut/);
    expect(bad((f) => (f.points[3].engine = 'jax'))).toThrow(/engine "jax"/);
    expect(bad((f) => delete (f.realDataFloor as Partial<typeof floor>).kidSe)).toThrow(
      /realDataFloor has no number kidSe/,
    );
    expect(bad((f) => delete (f as { config?: unknown }).config)).toThrow(/config.samples/);
  });

  it('treats a 404 or an HTML fallback page as "no sweep yet", bad JSON as invalid, and other HTTP errors as failures', async () => {
    expect(await loadSweep('/s.json', respond('nope', { status: 404 }))).toEqual({ state: 'missing' });
    expect(
      await loadSweep('/s.json', respond('<!doctype html>', { status: 200, headers: { 'content-type': 'text/html' } })),
    ).toEqual({ state: 'missing' });
    const bad = await loadSweep(
      '/s.json',
      respond('{"formatVersion": 1, "points": [', { status: 200, headers: { 'content-type': 'application/json' } }),
    );
    expect(bad.state).toBe('invalid');
    const ok = await loadSweep(
      '/s.json',
      respond(JSON.stringify(fixture), { status: 200, headers: { 'content-type': 'application/json' } }),
    );
    expect(ok.state === 'ready' && ok.sweep.points.length).toBe(fixture.points.length);
    expect(ok.state === 'ready' && ok.notices).toHaveLength(1);
    await expect(loadSweep('/s.json', respond('', { status: 500 }))).rejects.toThrow(/HTTP 500/);
  });
});
