"""Sample-quality statistics on classifier features, the same definitions as src/metrics (TypeScript):
FD (Frechet distance), KID (Binkowski et al. 2018: unbiased MMD^2 with k(x, y) = (x.y/d + 1)^3), and their
leave-one-group-out jackknife standard errors with class-balanced groups.

Sample i is generated for class i mod 10 and belongs to jackknife group floor(i / 10) mod G: every group holds
every class, so leaving one group out removes noise, not a class (class-aligned groups measure class imbalance
and give bars about 5x too wide; see docs/sweep.md)."""
import numpy as np

GROUPS = 10


def group_count(n, groups=GROUPS, classes=10):
    """min(groups, whole rounds of classes): src/metrics/jackknife.ts's rule (it needs n >= 2 rounds)."""
    if n < 2 * classes:
        raise ValueError(f'{n} samples: a class-balanced jackknife needs at least {2 * classes}')
    return min(groups, n // classes)


def balanced_groups(n, groups=GROUPS, classes=10):
    """Group of each sample index: floor(i / classes) mod g (each group holds every class)."""
    return (np.arange(n) // classes) % group_count(n, groups, classes)


def frechet_distance(mu1, s1, mu2, s2):
    """|mu1-mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)); the trace of the root via the symmetric form
    sqrt(S1) S2 sqrt(S1), which has the same eigenvalues as S1 S2 and is PSD."""
    w, v = np.linalg.eigh(s1)
    r1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = r1 @ s2 @ r1
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)


def stats(features):
    f = np.asarray(features, dtype=np.float64)
    return f.mean(0), np.cov(f, rowvar=False)


def poly_kernel(x, y):
    return (x @ y.T / x.shape[1] + 1.0) ** 3


class Reference:
    """The reference set's statistics, computed once: mean and covariance for FD, and for KID the features
    plus the mean off-diagonal kernel value among them (the term that does not depend on the samples).
    kid_f16: KID against the f16-rounded features, exactly what the classifier bundle ships to the engine."""

    def __init__(self, features, chunk=2000, kid_f16=False):
        full = np.asarray(features, dtype=np.float64)
        self.mu, self.sigma = stats(full)
        self.features = full.astype(np.float16).astype(np.float64) if kid_f16 else full
        m = len(self.features)
        total = 0.0
        for i in range(0, m, chunk):
            total += poly_kernel(self.features[i:i + chunk], self.features).sum()
        diag = ((self.features ** 2).sum(1) / self.features.shape[1] + 1.0) ** 3
        self.k_yy = (total - diag.sum()) / (m * (m - 1))


def kid_terms(x, ref):
    """Per-sample kernel sums: row sums of k(x, x) without the diagonal, and of k(x, ref)."""
    x = np.asarray(x, dtype=np.float64)
    kxx = poly_kernel(x, x)
    np.fill_diagonal(kxx, 0.0)
    return kxx, poly_kernel(x, ref.features).sum(1)


def kid_from_terms(kxx, kxy_rows, ref, keep, classes=10, stratified=True):
    """KID of the kept samples. Sample i is of class i mod `classes`, each class equally often, so the sample
    term weights same-class pairs by 1/C and other pairs by 1 - 1/C (their shares in the equal-weight class
    mixture): the plain mean over all pairs would over-weight other-class pairs and be biased by O(1/N).
    The same estimator as src/metrics/kid.ts."""
    idx = np.flatnonzero(keep)
    n = len(idx)
    cls = idx % classes
    sub = kxx[np.ix_(idx, idx)]  # diagonal already zero
    same = cls[:, None] == cls[None, :]
    n_same, n_other = same.sum() - n, (~same).sum()
    if stratified and n_same > 0 and n_other > 0:
        k_xx = sub[same].sum() / n_same / classes + sub[~same].sum() / n_other * (1 - 1 / classes)
    else:
        k_xx = sub.sum() / (n * (n - 1))
    k_xy = kxy_rows[idx].sum() / (n * len(ref.features))
    return float(k_xx + ref.k_yy - 2 * k_xy)


def jackknife_se(full, leave_out):
    g = len(leave_out)
    lo = np.asarray(leave_out, dtype=np.float64)
    return float(np.sqrt((g - 1) / g * ((lo - lo.mean()) ** 2).sum())), lo


def quality(features, ref, groups=GROUPS):
    """FD and KID of sample features (sample i of class i mod 10) against the reference, with their
    jackknife standard errors over class-balanced groups, and the leave-one-group-out values (for paired
    errors of differences between settings that share draws)."""
    f = np.asarray(features, dtype=np.float64)
    n = len(f)
    grp = balanced_groups(n, groups)
    g_count = group_count(n, groups)
    fd = frechet_distance(*stats(f), ref.mu, ref.sigma)
    kxx, kxy = kid_terms(f, ref)
    everyone = np.ones(n, dtype=bool)
    # Stratified only when every set (all, each leave-out) holds two samples of one class (as kid.ts decides).
    strat = n - n // g_count >= 20
    kid = kid_from_terms(kxx, kxy, ref, everyone, stratified=strat)
    fd_lo = [frechet_distance(*stats(f[grp != g]), ref.mu, ref.sigma) for g in range(g_count)]
    kid_lo = [kid_from_terms(kxx, kxy, ref, grp != g, stratified=strat) for g in range(g_count)]
    fd_se, _ = jackknife_se(fd, fd_lo)
    kid_se, _ = jackknife_se(kid, kid_lo)
    return {'samples': n, 'fd': fd, 'fdStdErr': fd_se, 'fdLeaveOut': fd_lo, 'kid': kid, 'kidSe': kid_se,
            'kidLeaveOut': kid_lo, 'groups': 'floor(i/10) mod 10'}


def paired_se(leave_out_a, leave_out_b):
    """Jackknife error of the difference a - b of two statistics measured on the same draws."""
    d = np.asarray(leave_out_a) - np.asarray(leave_out_b)
    g = len(d)
    return float(np.sqrt((g - 1) / g * ((d - d.mean()) ** 2).sum()))
