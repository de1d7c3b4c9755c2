#!/usr/bin/env node
/**
 * npm run sweep:merge -- --into public/sweeps/mnist-sweep.json --from docs/sweeps/mnist-sweep-pytorch.json [--out F]
 *
 * Puts the points of a PyTorch sweep (training/sweep_torch.py, engine 'pytorch') into a WebGPU sweep file
 * (`npm run sweep`, engine 'webgpu'), beside the WebGPU point of the same (model, setting), so one file holds the
 * doubly-measured points and the two-engine check (src/features/scaling-law/engineAgreement.mjs) can pair them.
 *
 * A PyTorch point is merged only when the file has the WebGPU point of its (model, setting) measured the same way
 * (same N, cfg and, for DiT, steps and sampler); it takes that point's size fields (parameters and bits depend on
 * the model and setting, not on the engine) and keeps its own numbers. The others are listed with the reason and
 * the command that would make them comparable. Merging again replaces the PyTorch points merged before. The file
 * is written to a temporary file and renamed; the agreement of the pairs is printed at the end.
 *
 * npm run sweep:merge -- --from PYTORCH.json --sizes SIZES.json [--into WEBGPU.json] --out SWEEP.json
 *
 * With --sizes (a file of `npm run sweep -- --sizes-only`: each point's size axes from this engine, nothing
 * measured), a PyTorch point without a WebGPU twin is kept too, with the size fields of its (model, setting)
 * from that file: a sweep measured by the PyTorch reference whose x values come from the engine's one bit
 * accounting. Without --into the output holds only such points (config and real-data floor of the PyTorch file).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkEngineAgreement } from '../../src/features/scaling-law/engineAgreement.mjs';

const USAGE =
  'npm run sweep:merge -- --into WEBGPU_SWEEP.json --from PYTORCH_SWEEP.json [--out MERGED.json] | --from PYTORCH_SWEEP.json --sizes SIZES.json [--into WEBGPU_SWEEP.json] --out MERGED.json';
/** What a point's size is: the model and the setting's, whichever engine measured it. */
const SIZE_FIELDS = [
  'family',
  'depth',
  'linearParams',
  'totalParams',
  'weightBits',
  'bitsPerWeight',
  'activationBits',
  'totalWeightBits',
  'linearBits',
  'transformerBits',
  'computeBits',
];

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value (${USAGE})`);
      return v;
    };
    if (arg === '--into') opts.into = value();
    else if (arg === '--from') opts.from = value();
    else if (arg === '--out') opts.out = value();
    else if (arg === '--sizes') opts.sizes = value();
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${arg} (${USAGE})`);
  }
  if (!opts.from) throw new Error(`--from is needed (${USAGE})`);
  if (!opts.into && !opts.sizes) throw new Error(`--into or --sizes is needed (${USAGE})`);
  if (!opts.into && !opts.out) throw new Error(`--out is needed without --into (${USAGE})`);
  return { ...opts, out: opts.out ?? opts.into };
}

function read(file, engine) {
  const sweep = JSON.parse(readFileSync(file, 'utf8'));
  if (sweep.formatVersion !== 2)
    throw new Error(
      `${file} is formatVersion ${sweep.formatVersion}; only formatVersion 2 files say which engine measured each point. Re-measure it (docs/sweep.md).`,
    );
  // The WebGPU file may already hold PyTorch points (an earlier merge); the PyTorch file holds nothing else.
  if (engine === 'pytorch' && sweep.points.some((p) => p.engine !== 'pytorch'))
    throw new Error(
      `${file} holds points not measured by the PyTorch engine: --from takes a training/sweep_torch.py file.`,
    );
  return sweep;
}

function readSizes(file) {
  const sizes = JSON.parse(readFileSync(file, 'utf8'));
  if (sizes.formatVersion !== 2 || sizes.kind !== 'sizes' || !Array.isArray(sizes.points))
    throw new Error(`${file} is not a sizes file: make one with npm run sweep -- --sizes-only --out ${file}`);
  return sizes;
}

/** The size fields of a point: its model's and setting's, from whichever row has them. */
const sizeFields = (row) => Object.fromEntries(SIZE_FIELDS.filter((f) => row[f] !== undefined).map((f) => [f, row[f]]));

/** A PyTorch point as a file point, sized by `sized` (its WebGPU twin or its sizes row). */
function asFilePoint(p, sized) {
  const { seconds, ...numbers } = p;
  return {
    ...sizeFields(sized),
    ...numbers,
    // The setting's text names its method, so a file written before sweep_torch.py recorded it takes the twin's.
    method: sized.method,
    engine: 'pytorch',
    partial: false,
    ms: typeof seconds === 'number' ? seconds * 1000 : 0,
  };
}

/** Why `p` (PyTorch) and `w` (WebGPU) are not the same measurement, or undefined when they are. */
function mismatch(p, w) {
  const fields = ['samples', 'cfg', ...(p.family === 'dit' ? ['steps', 'sampler'] : [])];
  const diff = fields.filter((f) => p[f] !== w[f]);
  if (diff.length === 0) return undefined;
  const fix =
    diff.includes('steps') || diff.includes('sampler') ? ' (npm run sweep takes --dit-steps and --dit-sampler)' : '';
  return `${diff.map((f) => `${f} ${p[f]} (pytorch) vs ${w[f]} (webgpu)`).join(', ')}${fix}`;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const from = read(opts.from, 'pytorch');
  const sizes = opts.sizes ? readSizes(opts.sizes) : undefined;
  const into = opts.into
    ? read(opts.into, 'webgpu')
    : {
        formatVersion: 2,
        createdAt: from.createdAt,
        adapter: `PyTorch reference (training/sweep_torch.py); sizes: ${sizes.adapter}`,
        config: from.config,
        weights: sizes.weights,
        ...(from.realDataFloor ? { realDataFloor: from.realDataFloor } : {}),
        points: [],
      };
  if (into.config.seed !== from.config.seed)
    console.log(
      `note: seeds differ (webgpu ${into.config.seed}, pytorch ${from.config.seed}); the engines share no draws anyway`,
    );
  const webgpu = into.points.filter((p) => p.engine !== 'pytorch');
  const kept = into.points.filter(
    (p) => p.engine !== 'pytorch' || !from.points.some((q) => q.modelId === p.modelId && q.setting === p.setting),
  );
  const merged = [];
  const skipped = [];
  for (const p of from.points) {
    const twin = webgpu.find((w) => w.modelId === p.modelId && w.setting === p.setting && !w.partial);
    const sized = sizes?.points.find((r) => r.modelId === p.modelId && r.setting === p.setting);
    if (!twin && sized) {
      if (p.method !== undefined && p.method !== sized.method) {
        skipped.push(`${p.modelId} ${p.setting}: method ${p.method} (pytorch) vs ${sized.method} (sizes)`);
        continue;
      }
      merged.push(asFilePoint(p, sized));
      continue;
    }
    if (!twin) {
      skipped.push(
        opts.into
          ? `${p.modelId} ${p.setting}: no WebGPU point of it in ${opts.into} (npm run sweep -- --out ${opts.into} --samples ${p.samples} --only ${p.modelId} --settings ${p.setting})`
          : `${p.modelId} ${p.setting}: not in ${opts.sizes} (npm run sweep -- --sizes-only --out ${opts.sizes} --only ${p.modelId} --settings ${p.setting})`,
      );
      continue;
    }
    const why = mismatch(p, twin);
    if (why) {
      skipped.push(`${p.modelId} ${p.setting}: not the same measurement: ${why}`);
      continue;
    }
    if (p.method !== undefined && p.method !== twin.method) {
      skipped.push(`${p.modelId} ${p.setting}: method ${p.method} (pytorch) vs ${twin.method} (webgpu)`);
      continue;
    }
    merged.push(asFilePoint(p, twin));
  }
  const out = {
    ...into,
    // Where the PyTorch points came from (the WebGPU side keeps its own adapter and config).
    pytorch: { createdAt: from.createdAt, command: from.command, processes: from.processes, config: from.config },
    points: [...kept, ...merged],
  };
  const tmp = `${opts.out}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(out, null, 1)}\n`);
  renameSync(tmp, opts.out);
  console.log(
    `merged ${merged.length} of ${from.points.length} PyTorch points into ${path.relative(process.cwd(), opts.out)}`,
  );
  for (const s of skipped) console.log(`  skipped ${s}`);

  const check = checkEngineAgreement(out);
  console.log(`two-engine agreement (|webgpu - pytorch| <= 3 sqrt(se_w^2 + se_p^2)), ${check.pairs.length} pairs:`);
  for (const pair of check.pairs)
    console.log(
      `  ${pair.agrees ? 'agrees   ' : 'DISAGREES'} ${pair.modelId} ${pair.setting} N=${pair.samples}: ${pair.metrics
        .map((m) => `${m.metric} ${m.webgpu.toPrecision(4)} vs ${m.pytorch.toPrecision(4)} (${m.z.toFixed(1)} se)`)
        .join(', ')}`,
    );
  for (const p of check.problems) console.log(`  problem: ${p}`);
}

try {
  main();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
