import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadSweep, parseSweep, SweepFormatError } from '../../src/features/scaling-law/sweepFile';

const fixture = JSON.parse(readFileSync(new URL('../../e2e/fixtures/mnist-sweep.fixture.json', import.meta.url), 'utf8'));

const respond = (body: string, init: ResponseInit) => (async () => new Response(body, init)) as unknown as typeof fetch;

describe('sweep file', () => {
  it('accepts the fixture sweep and names the first problem of a broken one', () => {
    expect(parseSweep(fixture).points.length).toBe(fixture.points.length);
    const broken = structuredClone(fixture);
    delete broken.points[5].computeBits;
    expect(() => parseSweep(broken)).toThrow(SweepFormatError);
    expect(() => parseSweep(broken)).toThrow(/point 5 \(mnist-var-d1 Wfp4g32\) has no number computeBits/);
    expect(() => parseSweep({ ...fixture, formatVersion: 2 })).toThrow(/formatVersion is 2/);
    expect(() => parseSweep([])).toThrow(/not a JSON object/);
    const wrongFamily = structuredClone(fixture);
    wrongFamily.points[0].family = 'gan';
    expect(() => parseSweep(wrongFamily)).toThrow(/family "gan"/);
  });

  it('treats a 404 or an HTML fallback page as "no sweep yet", bad JSON as invalid, and other HTTP errors as failures', async () => {
    expect(await loadSweep('/s.json', respond('nope', { status: 404 }))).toEqual({ state: 'missing' });
    expect(await loadSweep('/s.json', respond('<!doctype html>', { status: 200, headers: { 'content-type': 'text/html' } }))).toEqual({ state: 'missing' });
    const bad = await loadSweep('/s.json', respond('{"formatVersion": 1, "points": [', { status: 200, headers: { 'content-type': 'application/json' } }));
    expect(bad.state).toBe('invalid');
    const ok = await loadSweep('/s.json', respond(JSON.stringify(fixture), { status: 200, headers: { 'content-type': 'application/json' } }));
    expect(ok.state === 'ready' && ok.sweep.points.length).toBe(fixture.points.length);
    await expect(loadSweep('/s.json', respond('', { status: 500 }))).rejects.toThrow(/HTTP 500/);
  });
});
