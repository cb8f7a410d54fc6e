#!/usr/bin/env python3
"""Derives the polynomial behind sigmax's exp kernels (native/kernel_body.inc).

exp(r) ≈ 1 + r + r²/2 + c3·r³ + … + cd·r^d on |r| ≤ ln2/2, c3..cd chosen by the Remez exchange to
minimise the *relative* error of exp, i.e. the weighted error e^-r·(Σ c_k r^k − (e^r − 1 − r − r²/2)).  Needs mpmath.
Usage: python3 scripts/exp-coefficients.py [degree for f32] [degree for f64]
"""
import sys
import struct
from mpmath import mp, mpf, exp, log, matrix, lu_solve, cos, pi

mp.dps = 60
H = log(2) / 2


FIXED = [mpf(1), mpf(1) / 2]  # c1 = 1 and c2 = 1/2 exactly, as Taylor: rounding them would cost ~0.5 u


def g(r):
    return exp(r) - 1 - r - r * r / 2


def w(r):
    return exp(-r)


def remez(n, iters=30):
    """c1..c(n+2): the two fixed ones, then c3.. minimising max |w·(Σ c_k r^k − g)| on [−H, H]."""
    xs = [H * cos(pi * (n - i) / n) for i in range(n + 1)]  # n + 1 points: n coefficients + the error
    for _ in range(iters):
        A = matrix(n + 1, n + 1)
        b = matrix(n + 1, 1)
        for i, x in enumerate(xs):
            for k in range(n):
                A[i, k] = x ** (k + 3)
            A[i, n] = (-1) ** i / w(x)
            b[i] = g(x)
        sol = lu_solve(A, b)
        c = [sol[k] for k in range(n)]
        err = lambda x: w(x) * (sum(c[k] * x ** (k + 3) for k in range(n)) - g(x))
        # new reference: the extrema of err between sign changes, scanned on a fine grid
        grid = [-H + 2 * H * j / 4000 for j in range(4001)]
        vals = [err(x) for x in grid]
        ext = []
        j = 0
        while j < len(grid):
            s = vals[j] >= 0
            best = j
            while j < len(grid) and (vals[j] >= 0) == s:
                if abs(vals[j]) > abs(vals[best]):
                    best = j
                j += 1
            ext.append(grid[best])
        if len(ext) >= n + 1:
            # keep n + 1 alternating extrema, dropping the smaller end ones
            while len(ext) > n + 1:
                a0, a1 = abs(err(ext[0])), abs(err(ext[-1]))
                ext = ext[1:] if a0 < a1 else ext[:-1]
            xs = ext
    return FIXED + c


def f32(v):
    return struct.unpack('f', struct.pack('f', float(v)))[0]


def max_rel_error(coeffs, rnd):
    """Max relative error of 1 + r·q(r) with the rounded coefficients, in exact arithmetic."""
    cs = [mpf(rnd(c)) for c in coeffs]
    worst = mpf(0)
    for j in range(20001):
        r = -H + 2 * H * j / 20000
        p = 1 + r * sum(cs[k] * r ** k for k in range(len(cs)))
        worst = max(worst, abs(p / exp(r) - 1))
    return worst


for label, degree, rnd, fmt in (
    ('f32', int(sys.argv[1]) if len(sys.argv) > 1 else 6, f32, lambda v: float.hex(f32(v))),
    ('f64', int(sys.argv[2]) if len(sys.argv) > 2 else 11, float, lambda v: float.hex(float(v))),
):
    c = remez(degree - len(FIXED))
    err = max_rel_error(c, rnd)
    unit = 2.0 ** -24 if label == 'f32' else 2.0 ** -53
    print(f'{label}: degree {degree}, max relative error {float(err):.3e} = {float(err) / unit:.4f} u')
    for k, ck in enumerate(c):
        print(f'  c{k + 1} = {fmt(ck)}')
