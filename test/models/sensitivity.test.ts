/** The optional `sensitivity` table of generator manifests and the -mp plan the engine builds from it. */
import { describe, expect, it } from 'vitest';
import { validateBundle, type VarManifest } from '../../src/models/bundle/index.ts';
import { mixedPrecisionPlan } from '../../src/engine/generation/mixedPrecisionSettings';
import { parseSetting, settingToString } from '../../src/quant/setting';
import { manifestOf } from './helpers/editBundle.ts';
import { expectBundleError } from './helpers/expectError.ts';
import { buildFixtureModels } from './helpers/fixtureModels.ts';

const fixture = buildFixtureModels();

/** A table for every 2-D block weight of the fixture VAR, later blocks made more sensitive. */
function tableFor(m: VarManifest, widths = [2, 3, 4, 8]) {
  const linears = m.tensors.filter(
    (t) => t.name.startsWith('blocks.') && t.name.endsWith('.weight') && t.shape.length === 2,
  );
  return {
    metric: 'relative output MSE, one Linear at b bits',
    granularity: 'g32',
    layers: linears.map((t, i) => ({
      name: t.name.slice(0, -'.weight'.length),
      params: t.shape[0]! * t.shape[1]!,
      errorByBits: Object.fromEntries(widths.map((b) => [String(b), (1 + i) * 4 ** -b])),
    })),
  };
}

function withSensitivity(edit: (m: VarManifest) => unknown) {
  const src = fixture.clone();
  const m = manifestOf(src, 'fx-var') as unknown as Omit<VarManifest, 'sensitivity'> & { sensitivity?: unknown };
  m.sensitivity = edit(m as VarManifest);
  src.setJson('fx-var/manifest.json', m);
  return src;
}

describe('manifest.sensitivity', () => {
  it('is optional, and accepted when every entry names a Linear of the tensor index with its size', async () => {
    expect((await validateBundle(fixture, 'fx-var')).manifest.sensitivity).toBeUndefined();
    const m = (await validateBundle(withSensitivity(tableFor), 'fx-var')).manifest as VarManifest;
    expect(m.sensitivity!.layers.length).toBeGreaterThan(2);
  });

  it('names the field of an unknown Linear, a wrong size, a bad width or error, and a duplicate', async () => {
    const edit = (f: (t: ReturnType<typeof tableFor>) => void) =>
      withSensitivity((m) => {
        const t = tableFor(m);
        f(t);
        return t;
      });
    await expectBundleError(
      validateBundle(
        edit((t) => (t.layers[0]!.name = 'blocks.9.nope')),
        'fx-var',
      ),
      'bad-manifest',
      'sensitivity.layers[0].name',
    );
    await expectBundleError(
      validateBundle(
        edit((t) => (t.layers[1]!.params += 1)),
        'fx-var',
      ),
      'bad-manifest',
      'sensitivity.layers[1].params',
    );
    await expectBundleError(
      validateBundle(
        edit((t) => (t.layers[0]!.errorByBits = { '99': 1 })),
        'fx-var',
      ),
      'bad-manifest',
      'sensitivity.layers[0].errorByBits',
    );
    await expectBundleError(
      validateBundle(
        edit((t) => (t.layers[0]!.errorByBits = { '2': -1 })),
        'fx-var',
      ),
      'bad-manifest',
      'sensitivity.layers[0].errorByBits.2',
    );
    await expectBundleError(
      validateBundle(
        edit((t) => t.layers.push({ ...t.layers[0]! })),
        'fx-var',
      ),
      'bad-manifest',
      'name',
    );
  });
});

describe('mixedPrecisionPlan (-mp<B>)', () => {
  const manifest = { ...(manifestOf(fixture, 'fx-var') as unknown as VarManifest) };
  const withTable = { ...manifest, sensitivity: tableFor(manifest) } as VarManifest;

  it('gives each Linear of the table an INT width up to the setting own, at an average within the budget', () => {
    const plan = mixedPrecisionPlan(withTable, parseSetting('W4g32-mp3'))!;
    const widths = [...plan.byLinear.values()].map((s) => s.weight!.format);
    expect(widths.every((f) => f.kind === 'int' && f.bits >= 2 && f.bits <= 4)).toBe(true);
    expect(plan.allocation.averageBits).toBeLessThanOrEqual(3 + 1e-9);
    expect(plan.allocation.averageBits).toBeGreaterThan(2.5);
    // Later (more sensitive) Linears get at least the bits of earlier ones of the same size.
    const names = withTable.sensitivity!.layers.map((l) => l.name);
    const first = plan.byLinear.get(names[0]!)!.weight!.format;
    const last = plan.byLinear.get(names[names.length - 1]!)!.weight!.format;
    expect(last.kind === 'int' && first.kind === 'int' && last.bits >= first.bits).toBe(true);
    // Each per-Linear setting is a plain uniform setting: granularity kept, no -mp left on it.
    for (const s of plan.byLinear.values()) expect(settingToString(s)).toMatch(/^W[234]g32$/);
    expect(mixedPrecisionPlan(withTable, parseSetting('W4g32'))).toBeUndefined();
  });

  it('refuses FP weights and a bundle without a table, naming the fix', () => {
    expect(() => mixedPrecisionPlan(manifest as VarManifest, parseSetting('W4g32-mp3'))).toThrow(/sensitivity table/);
    // The grammar already refuses Wfp4g32-mp3; a setting object built elsewhere is refused here too.
    expect(() => parseSetting('Wfp4g32-mp3')).toThrow();
    const fp = { ...parseSetting('Wfp4g32'), transforms: { mixedBits: 3 } };
    expect(() => mixedPrecisionPlan(withTable, fp)).toThrow(/INT weight/);
  });
});
