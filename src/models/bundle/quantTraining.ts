/**
 * Optional `quantTraining` field of a manifest (and its index.json entry): how a quantisation-aware trained or
 * distilled student was made (docs/bundle-format.md, docs/qat.md). Its weights are the latent full-precision
 * weights; the app quantises them with `setting` (RTN) like any bundle, which gives exactly the trained student.
 */
import type { FieldReader, Json } from './fields.ts';
import { parseSetting } from '../../quant/setting.ts';

export interface QuantTraining {
  /** The target setting the student was trained for, in src/quant/setting.ts grammar (e.g. 'W4g32-A8'). */
  readonly setting: string;
  /** e.g. 'qat-task', 'qat-fkl', 'qat-rkl', 'qat-topkld', 'qat-mse'. */
  readonly method: string;
  /** Bundle id of the full-precision teacher (and the student's initialisation). */
  readonly teacher: string;
  readonly loss: string;
  /** Loss parameters, e.g. { K: 16, lambda: 0.5 } for TopKLD. */
  readonly params: Readonly<Record<string, number>>;
  /** True when the method is our reconstruction of a published one whose exact formula is not available. */
  readonly reconstruction: boolean;
}

const ID = /^[a-z0-9-]+$/;

export function checkQuantTraining(r: FieldReader, value: unknown, path: string): QuantTraining {
  const q = r.object(value, path);
  const setting = r.str(q, 'setting', path);
  let parses = true;
  try {
    parseSetting(setting);
  } catch {
    parses = false;
  }
  r.check(
    parses && setting !== 'fp32',
    `${path}.setting`,
    'a quantisation setting such as W4g32-A8 (src/quant/setting.ts)',
    setting,
  );
  r.str(q, 'method', path);
  const teacher = r.str(q, 'teacher', path);
  r.check(ID.test(teacher), `${path}.teacher`, 'a bundle id', teacher);
  r.str(q, 'loss', path);
  const params: Json = r.object(q.params, `${path}.params`);
  for (const [k, v] of Object.entries(params))
    r.check(typeof v === 'number' && Number.isFinite(v), `${path}.params.${k}`, 'a finite number', v);
  r.bool(q, 'reconstruction', path);
  return q as unknown as QuantTraining;
}
