/** The pure parts of "Your models": the ?models= parameter kept through the playground's URL rewrites, and previews. */
import { describe, expect, it } from 'vitest';
import { keepModelsParam, modelsParam, withModelsParam } from '../../src/features/model-sources/modelsParam';
import { previewImage } from '../../src/features/model-sources/previewImage';
import { formatBytes } from '../../src/features/model-sources/downloadCache';

describe('?models=', () => {
  it('reads every value (repeated or space-separated) and keeps them when the playground rewrites the query', () => {
    expect(modelsParam('?models=https://a.org/m/&family=var&models=/copies/x/%20/y/')).toEqual([
      'https://a.org/m/',
      '/copies/x/',
      '/y/',
    ]);
    expect(keepModelsParam('?family=dit&q=W4g32,W2g32~qat-task', '?models=https://a.org/m/&family=var')).toBe(
      '?family=dit&q=W4g32,W2g32~qat-task&models=https%3A%2F%2Fa.org%2Fm%2F',
    );
    expect(keepModelsParam('?family=dit', '?family=var')).toBe('?family=dit');
  });

  it('adds a URL once and removes it again, leaving the rest of the address alone', () => {
    const at = { pathname: '/app/', search: '?family=var', hash: '#sources-title' };
    const added = withModelsParam(at, '/zoo/');
    expect(added).toBe('/app/?family=var&models=%2Fzoo%2F#sources-title');
    const search = added.slice('/app/'.length, added.indexOf('#'));
    expect(withModelsParam({ ...at, search }, '/zoo/')).toBe(added);
    expect(withModelsParam({ ...at, search }, '/zoo/', true)).toBe('/app/?family=var#sources-title');
  });
});

describe('preview pixels', () => {
  it('draws one grey channel or three colour planes from [-1, 1], and nothing for a raw output', () => {
    const grey = previewImage(Float32Array.from([-1, 1, 0, 1]), [1, 1, 2, 2], 'image');
    expect(grey.size).toBe(2);
    expect(Array.from(grey.pixels!.subarray(0, 8))).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    // CHW planes: R = 1, G = -1, B = 0 at the one pixel.
    const rgb = previewImage(Float32Array.from([1, -1, 0]), [1, 3, 1, 1], 'image');
    expect(Array.from(rgb.pixels!)).toEqual([255, 0, 128, 255]);
    expect(previewImage(new Float32Array(32), [1, 32, 1, 1], 'f_hat').pixels).toBeUndefined();
    expect([formatBytes(640_000), formatBytes(1_834_000), formatBytes(12)]).toEqual(['640 kB', '1.8 MB', '12 B']);
  });
});
