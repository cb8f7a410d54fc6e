// Tails for ISAs without masked loads and stores (SSE2, NEON): the last n < N elements go through a
// small stack buffer, so nothing outside [p, p + n) is read or written. Included by ISA files only;
// internal linkage, so each ISA file keeps its own copy compiled with its own flags.
#ifndef SIGMAX_TAIL_BUFFER_H
#define SIGMAX_TAIL_BUFFER_H

#include <stddef.h>

namespace sigmax {
namespace {

template <class T, class R, size_t N>
inline R loadThroughBuffer(const T* p, size_t n, T fill, R (*load)(const T*)) {
  T buffer[N];
  for (size_t i = 0; i < N; ++i) buffer[i] = i < n ? p[i] : fill;
  return load(buffer);
}

template <class T, class R, size_t N>
inline void storeThroughBuffer(T* p, R v, size_t n, void (*store)(T*, R)) {
  T buffer[N];
  store(buffer, v);
  for (size_t i = 0; i < n; ++i) p[i] = buffer[i];
}

}  // namespace
}  // namespace sigmax

#endif
