/** `?models=<base URL>` (repeatable): model sources a link brings along; the page adds them on load. */
export function modelsParam(search: string): string[] {
  return new URLSearchParams(search)
    .getAll('models')
    .flatMap((v) => v.split(' '))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** `search` (the playground's rewrite of the URL) with the `models` values of `current` kept. */
export function keepModelsParam(search: string, current: string): string {
  const urls = modelsParam(current);
  if (urls.length === 0) return search;
  const p = new URLSearchParams(search);
  p.delete('models');
  for (const u of urls) p.append('models', u);
  const rest = p.toString().replace(/%2C/g, ',').replace(/%7E/g, '~');
  return rest ? `?${rest}` : '';
}

/** The page's URL with `url` added to (or, with remove, taken from) its `models` values. */
export function withModelsParam(
  location: { pathname: string; search: string; hash: string },
  url: string,
  remove = false,
): string {
  const p = new URLSearchParams(location.search);
  const urls = modelsParam(location.search).filter((u) => u !== url);
  p.delete('models');
  for (const u of remove ? urls : [...urls, url]) p.append('models', u);
  const search = p.toString().replace(/%2C/g, ',').replace(/%7E/g, '~');
  return `${location.pathname}${search ? `?${search}` : ''}${location.hash}`;
}
