// An import resolver (eslint-module-utils interface 2) for Vite's query imports such as `../../shaders/x.wgsl?raw`:
// the node resolver looks for a file named `x.wgsl?raw` and gives up, which would leave the kernels' WGSL imports
// out of the layer check (eslint.config.js). Relative specifiers only; everything else is the node resolver's.
const { existsSync } = require('node:fs');
const path = require('node:path');

module.exports = {
  interfaceVersion: 2,
  resolve(source, file) {
    const query = source.indexOf('?');
    if (query < 0 || !source.startsWith('.')) return { found: false };
    const target = path.resolve(path.dirname(file), source.slice(0, query));
    return existsSync(target) ? { found: true, path: target } : { found: false };
  },
};
