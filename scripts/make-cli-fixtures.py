#!/usr/bin/env python3
"""Writes the tiny NumPy-made fixture files of the CLI tests (test/fixtures/npy/).

Run once by hand (python3 with NumPy); the files are committed, so the tests need no NumPy. Every
file is written by NumPy's own writer (np.save / np.lib.format.write_array); the broken ones are
cut or patched from such files. The *.expected.npy files hold NumPy's float64 results for the
fixture inputs, for the CLI tests to compare against.
"""
import os
import numpy as np
from numpy.lib import format as npf

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'npy')
os.makedirs(here, exist_ok=True)


def path(name):
    return os.path.join(here, name)


def save(name, a, version=None):
    with open(path(name), 'wb') as f:
        npf.write_array(f, a, version=version, allow_pickle=False)


def softmax(x, t=1.0):
    z = x.astype(np.float64) / t
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def logsumexp(x):
    x = x.astype(np.float64)
    m = x.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True)))[..., 0]


# Good inputs.
a23 = np.array([[1.0, 2.0, 3.0], [-1.5, 0.0, 10.0]], dtype=np.float32)
b223 = np.array([[[0.5, -2.0, 7.25], [3.0, 3.0, 3.0]], [[-100.0, 0.0, 100.0], [1e-3, 2e-3, -4e-3]]], dtype=np.float64)
save('f32_2x3.npy', a23)
save('f64_2x2x3.npy', b223)
save('f32_1d.npy', np.array([-3.0, -1.0, 0.0, 1.0, 3.0], dtype=np.float32))
save('f64_0d.npy', np.array(0.25, dtype=np.float64))
save('f32_0x4.npy', np.zeros((0, 4), dtype=np.float32))
save('f32_2x3_v2.npy', a23, version=(2, 0))
save('f32_2x3_v3.npy', a23, version=(3, 0))
# Fortran order with one dimension > 1 has the C layout: readable.
save('f64_fortran_1x4.npy', np.asfortranarray(np.array([[1.0, 2.0, 3.0, 4.0]])))

# NumPy's results (float64) for the good inputs.
save('f32_2x3.softmax.expected.npy', softmax(a23))
save('f32_2x3.softmax-t2.expected.npy', softmax(a23, 2.0))
save('f32_2x3.log-softmax.expected.npy', np.log(softmax(a23)))
save('f32_2x3.logsumexp.expected.npy', logsumexp(a23))
save('f32_2x3.sigmoid.expected.npy', 1.0 / (1.0 + np.exp(-a23.astype(np.float64))))
save('f64_2x2x3.softmax.expected.npy', softmax(b223))
save('f64_2x2x3.logsumexp.expected.npy', logsumexp(b223))

# Unsupported arrays, each written by NumPy.
save('bad_int32.npy', np.arange(6, dtype=np.int32).reshape(2, 3))
save('bad_float16.npy', np.ones((2, 3), dtype=np.float16))
save('bad_bigendian.npy', np.ones((2, 3), dtype='>f4'))
save('bad_fortran.npy', np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
save('bad_complex.npy', np.ones(3, dtype=np.complex64))
save('bad_structured.npy', np.zeros(2, dtype=[('index', '<i8'), ('p', '<f4')]))

# Broken files, cut or patched from good ones.
good = open(path('f32_2x3.npy'), 'rb').read()
hlen = 10 + int.from_bytes(good[8:10], 'little')
open(path('bad_truncated_header.npy'), 'wb').write(good[:40])
open(path('bad_truncated_data.npy'), 'wb').write(good[:hlen + 10])
open(path('bad_extra_data.npy'), 'wb').write(good + b'\0\0\0\0')
open(path('bad_magic.npy'), 'wb').write(b'\x93NUMPZ' + good[6:])
open(path('bad_version.npy'), 'wb').write(good[:6] + b'\x07\x00' + good[8:])
open(path('bad_header_syntax.npy'), 'wb').write(good.replace(b"'shape': (2, 3)", b"'shape': (2; 3)"))
open(path('bad_header_keys.npy'), 'wb').write(good.replace(b"'fortran_order'", b"'fortran_ordex'"))
open(path('bad_empty.npy'), 'wb').write(b'')

for name in sorted(os.listdir(here)):
    print(f'{os.path.getsize(path(name)):6d}  {name}')
