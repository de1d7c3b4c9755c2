"""Exports the QAT / distillation students (runs/qat/<id>.pt, from qat.py) as bundles public/models/<id>/ with
export_bundle.py's exporters, adds the manifest field `quantTraining` (docs/bundle-format.md, docs/qat.md) and
the metrics measured at the student's setting by qat_eval.py, and adds or replaces their entries in
public/models/index.json (the other entries are kept as they are).

The weights are the student's latent weights rounded to f16 (what every var/dit bundle stores); the student was
trained with the fake quantiser applied to exactly those f16 values, so the browser's RTN quantisation of the
bundle at `quantTraining.setting` is the trained student. No sample PNG; the goldens are the usual fp32 ones of
these weights (engine parity of the unquantised forward).

python3 training/export_qat.py [id ...]      (default: every runs/qat/*.pt)
"""
import json
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_bundle  # noqa: E402
import zoo  # noqa: E402
from qat import QAT_DIR  # noqa: E402
from qat_eval import RESULTS, load_student  # noqa: E402

TOPKLD_NOTE = ('reconstruction of TopKLD (exact formula not available): lambda * sum_{top-K of teacher} '
               '[p_t log(p_t/p_s) - p_t + p_s] + (1 - lambda) * sum_{rest} [p_s log(p_s/p_t) - p_s + p_t], per token, '
               'teacher-forced on real tokens')


def quant_training(info):
    loss = info['loss']
    return {'setting': info['setting'], 'method': f'qat-{loss}', 'teacher': info['teacher'], 'loss': loss,
            'params': {k: float(v) for k, v in info.get('params', {}).items()}, 'reconstruction': loss == 'topkld'}


def export_one(model_id, vq, vae, results):
    model, ck, family = load_student(model_id)
    info = ck['info']
    qt = quant_training(info)
    res = results.get(f"{info['teacher']}:{info['setting']}:qat-{info['loss']}:{info['steps']}steps")
    metrics = None
    if res:
        metrics = {k: res[k] for k in ('fd', 'accuracy', 'samples', 'settings', 'perClassAccuracy', 'evalSeed', 'seconds')}
        metrics['quantSetting'] = info['setting']  # measured with the weights quantised at this setting
    family_name, depth = info['teacher'].replace('mnist-', '').split('-')
    title = f"{family_name.upper()} {depth} QAT {info['setting']} ({info['loss']})"
    notes = ('QAT/distillation student; latent weights (quantise with quantTraining.setting); wall-clock-budgeted run '
             'on a shared 2-core CPU (steps as logged)' + ('; ' + TOPKLD_NOTE if info['loss'] == 'topkld' else ''))
    train_info = {**info, 'minutes': round(info['minutes'], 2)}
    exporter = export_bundle.export_var if family == 'var' else export_bundle.export_dit
    m = exporter(model_id, model, vq if family == 'var' else vae, train_info, metrics, None, title, f'qat/{model_id}')
    m['training']['notes'] = notes
    m['quantTraining'] = qt
    return export_bundle.write_manifest(os.path.join(export_bundle.MODELS_DIR, model_id), m)


def update_index(manifests):
    path = os.path.join(export_bundle.MODELS_DIR, 'index.json')
    index = json.load(open(path))
    new_ids = {m['id'] for m in manifests}
    models = [e for e in index['models'] if e['id'] not in new_ids]
    for m in manifests:
        models.append({'id': m['id'], 'family': m['family'], 'manifest': f"{m['id']}/manifest.json", 'title': m['title'],
                       'params': m['params'], 'metrics': m.get('metrics'), 'quantTraining': m['quantTraining']})
    index['models'] = models
    with open(path, 'w') as f:
        json.dump(index, f, indent=2)


def main():
    torch.set_num_threads(1)
    # Repeats with another seed (-s<seed>) are for the noise estimate in docs/qat.md, not shipped by default.
    ids = sys.argv[1:] or sorted(f[:-3] for f in os.listdir(QAT_DIR) if f.endswith('.pt') and not re.search(r'-s\d+$', f[:-3]))
    results = json.load(open(RESULTS)) if os.path.exists(RESULTS) else {}
    vq, _ = zoo.load_vqvae()
    vae, _ = zoo.load_vae()
    manifests = []
    for model_id in ids:
        manifests.append(export_one(model_id, vq, vae, results))
        print(f'exported {model_id}', flush=True)
    update_index(manifests)


if __name__ == '__main__':
    main()
