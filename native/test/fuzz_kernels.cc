// libFuzzer target: differential fuzzing of every kernel of every kernel table compiled in against the
// scalar table (and the long double reference where kernel_test.cc has one), with the comparison,
// bounds, sentinel buffers and jobs of kernel_check.h — the same checks as kernel_test.cc, on inputs
// the fuzzer chooses. Built and run by scripts/fuzz-kernels.sh (clang, -fsanitize=fuzzer,address,
// undefined; the tables are declared with the -D macros of kernel_test.cc).
//
// Input layout (every byte string is a valid input; missing bytes read as 0):
//   [0]    kernel: k % (kFnCount + 1); kFnCount = all kernels
//   [1]    flags: bit 0 float64; bit 1 "realistic" (the backward kernels and the Jacobian take the scalar
//          table's sigmoid/softmax of x as y, else x itself); bit 2 rawLog (log_softmax_backward takes
//          x itself as y, else log_softmax(x)); bit 3 data as int16 fixed point (v / 256, in [-128, 128))
//          instead of raw bit patterns of the element type; bit 4 adds 65536 to cols
//   [2]    placement: the input at +(b & 15) elements past a 64-byte boundary (the other buffers at
//          offsets derived from it, see runPlacement); every placement the kernel allows is run
//          (out-of-place, out == x, out == dy)
//   [3..4] cols (uint16 LE, + 65536 with flags bit 4); [5] rows (b % 9); n = rows·cols is capped by
//          reducing rows, then cols, to 70000 for one kernel (past the two-pass softmax rows of 65536
//          f32 / 32768 f64 elements) and to 4500 for all kernels at once (past 4 blocks of the 1024
//          elements a lane sums before widening); cols == 0 means rows = 0 too (the API never passes a
//          non-empty matrix of empty rows)
//   [6..]  temperature: the bit pattern of a float (4 bytes) or a double (8); its absolute value,
//          and 1 when that is not finite and > 0 (the API rejects those)
//   rest   the data: values (raw bits of T, or int16 fixed point) read cyclically: x[i] = v[i mod m],
//          dy[i] = v[(n + i) mod m], so a few bytes can describe a long vector. Raw bit patterns give
//          NaN, ±inf, −0 and subnormals naturally. dy is kept in kernel_test's domain: a finite
//          |dy| > 1e30 (f32) / 1e300 (f64) is scaled down into it (beyond that the order of a sum
//          decides between overflow and a finite result, which the contract leaves open).
// Every input of at most 4500 elements also goes through the logits kernels' checks (logits_check.h).
// A mismatch prints the case and the failing check, then traps (libFuzzer saves the input as a crash).
// FUZZ_KERNELS_WRITE_SEEDS=DIR: write the seed corpus into DIR and exit (scripts/fuzz-kernels.sh does).
// FUZZ_KERNELS_SKIP=name,name: kernels (kFn names, e.g. "exp_sum(t=1,store)") not to check, to go on
// fuzzing the others while a reported mismatch is open; the run says which ones it skipped. The name
// tiny-t replaces temperatures whose reciprocal overflows (subnormal ones) by 1.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "kernel_check.h"
#include "logits_check.h"

namespace {

constexpr size_t kMaxN = 70000, kMaxNAll = 4500;  // see the input layout
constexpr size_t kMaxJacobian = 96;  // k² outputs

std::vector<TableEntry> gTables;
std::vector<TableStats> gStats;
long gExecs = 0;
uint32_t gSkip = 0;  // bit per Fn
bool gSkipTinyT = false;

struct Reader {
  const uint8_t* p;
  size_t n, i = 0;
  uint8_t u8() { return i < n ? p[i++] : 0; }
  uint16_t u16() { const uint16_t lo = u8(); return static_cast<uint16_t>(lo | u8() << 8); }
  void bytes(void* out, size_t k) {
    memset(out, 0, k);
    for (size_t j = 0; j < k; ++j) static_cast<uint8_t*>(out)[j] = u8();
  }
};

template <class T> std::vector<T> values(Reader& r, bool fixedPoint) {
  std::vector<T> v;
  if (fixedPoint) {
    while (r.i + 2 <= r.n) v.push_back(static_cast<T>(static_cast<int16_t>(r.u16())) / T(256));
  } else {
    while (r.i + sizeof(T) <= r.n) {
      typename FT<T>::U u;
      r.bytes(&u, sizeof u);
      v.push_back(fromBits<T>(u));
    }
  }
  if (v.empty()) v.push_back(T(0));
  return v;
}

template <class T> void fuzzType(Reader& r, unsigned kernel, unsigned flags) {
  const bool realistic = flags & 2, rawLog = flags & 4, fixedPoint = flags & 8;
  const size_t off = r.u8() & kMaxOff;
  size_t cols = r.u16() | (flags & 16 ? size_t(65536) : 0), rows = r.u8() % 9;
  const size_t maxN = kernel >= kFnCount ? kMaxNAll : kMaxN;
  cols = std::min(cols, maxN);
  if (cols == 0) rows = 0;
  if (rows * cols > maxN) rows = maxN / cols;
  typename FT<T>::U tb;
  r.bytes(&tb, sizeof tb);
  T t = static_cast<T>(fabs(static_cast<double>(fromBits<T>(tb))));
  if (!(t > 0) || isInf(t) || (gSkipTinyT && isInf(T(1) / t))) t = T(1);
  const std::vector<T> v = values<T>(r, fixedPoint);
  const size_t n = rows * cols, m = v.size();
  std::vector<T> x(n), dy(n);
  const double huge = FT<T>::kHuge;
  for (size_t i = 0; i < n; ++i) {
    x[i] = v[i % m];
    T d = v[(n + i) % m];
    if (!isNan(d) && !isInf(d) && fabs(static_cast<double>(d)) > huge) d = static_cast<T>(static_cast<double>(d) * (huge / static_cast<double>(maxFinite<T>())));
    dy[i] = d;
  }
  if (n <= kMaxNAll) {  // the logits kernels (logits_check.h) on every input small enough
    static std::vector<LogitsCheck> logits(gTables.size());
    const uint64_t seed = drawFor(m, static_cast<uint64_t>(flags) << 32 | off << 16 | rows);
    for (size_t ti = 0; ti < gTables.size(); ++ti) {
      if (!gTables[ti].runnable) continue;
      const long failed = logits[ti].failed;
      checkLogits(gTables[ti], x, rows, cols, t, seed, logits[ti]);
      if (logits[ti].failed == failed) continue;
      printf("fuzz_kernels: MISMATCH in the logits kernels: %s\n", logits[ti].first.c_str());
      fflush(stdout);
      __builtin_trap();
    }
  }
  const uint32_t only = (kernel >= kFnCount ? ~0u : 1u << kernel) & ~gSkip;
  if (only == 0) return;
  const std::string input = fmt("fuzz input (%zu values, %s)", m, fixedPoint ? "int16/256" : "raw bits");
  std::vector<Job<T>> jobs = makeJobs(x, dy, rows, cols, t, realistic, rawLog, n <= kMaxJacobian, input, only);
  static Arena<T> arA, arB, arO;
  for (Job<T>& job : jobs) {
    const FnInfo& info = kFn[job.fn];
    for (size_t ti = 0; ti < gTables.size(); ++ti) {
      if (!gTables[ti].runnable) continue;
      for (int placement = 0; placement < 3; ++placement) {
        if ((placement == 1 && !info.inplaceA) || (placement == 2 && !info.inplaceB)) continue;
        if (runPlacement(gTables[ti], gStats[ti], job, placement, off, arA, arB, arO)) continue;
        printf("fuzz_kernels: MISMATCH on table %s, %s %s, %zux%zu, offset %zu, t=%s, realistic=%d rawLog=%d, %zu distinct "
               "values%s:",
               gTables[ti].name, FT<T>::name(), info.name, rows, cols, off, show(t).c_str(), realistic, rawLog, m,
               fixedPoint ? " (int16/256)" : "");
        for (size_t i = 0; i < std::min<size_t>(m, 16); ++i) printf(" %s", show(v[i]).c_str());
        printf("%s\n", m > 16 ? " ..." : "");
        fflush(stdout);
        __builtin_trap();
      }
    }
  }
}

void summary() {
  fprintf(stderr, "fuzz_kernels: %ld executions, %ld checks passed, %ld failed\n", gExecs, totalPassed, totalFailed);
}

// ------------------------------------------------------------------------------------------------
// Seed corpus

void put(std::vector<uint8_t>& b, const void* p, size_t k) { b.insert(b.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + k); }

template <class T> std::vector<uint8_t> seed(unsigned kernel, unsigned flags, size_t off, size_t rows, size_t cols, T t,
                                             const std::vector<T>& vals, const std::vector<int16_t>& fixed) {
  std::vector<uint8_t> b = {static_cast<uint8_t>(kernel), static_cast<uint8_t>(flags | (sizeof(T) == 8) | (cols >= 65536 ? 16 : 0)),
                            static_cast<uint8_t>(off), static_cast<uint8_t>(cols), static_cast<uint8_t>(cols >> 8),
                            static_cast<uint8_t>(rows)};
  put(b, &t, sizeof t);
  if (flags & 8) put(b, fixed.data(), fixed.size() * 2);
  else put(b, vals.data(), vals.size() * sizeof(T));
  return b;
}

template <class T> void seedsFor(std::vector<std::vector<uint8_t>>& out) {
  const std::vector<T> specials = {T(0), -T(0), inf<T>(), -inf<T>(), qnan<T>(), denormMin<T>(), -denormMin<T>(),
                                   minNormal<T>(), maxFinite<T>(), -maxFinite<T>(), T(1), T(-1), T(0.5),
                                   static_cast<T>(FT<T>::kExpLo), static_cast<T>(FT<T>::kExpHi),
                                   static_cast<T>(FT<T>::kMaxLog), static_cast<T>(-FT<T>::kMaxLog), T(1000), T(-1000)};
  std::vector<T> ordinary;
  std::vector<int16_t> fixed;
  uint32_t s = 12345;
  for (int i = 0; i < 37; ++i) {
    s = s * 1103515245u + 12345u;
    fixed.push_back(static_cast<int16_t>(s >> 16));
    ordinary.push_back(static_cast<T>(static_cast<int16_t>(s >> 16)) / T(1024));
  }
  struct Shape { size_t rows, cols; } shapes[] = {{1, 1}, {1, 7}, {3, 17}, {1, 64}, {2, 1030}, {0, 5}, {1, 70000}};
  for (unsigned k = 0; k <= kFnCount; ++k)
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; ++si) {
      const Shape sh = shapes[si];
      const unsigned variant = (k + si) % 3;
      const T t = variant == 0 ? T(1) : variant == 1 ? T(0.37) : T(2.5);
      if (variant == 0) out.push_back(seed<T>(k, 2, si, sh.rows, sh.cols, t, ordinary, fixed));
      else if (variant == 1) out.push_back(seed<T>(k, 0, si + 3, sh.rows, sh.cols, t, specials, fixed));
      else out.push_back(seed<T>(k, 8 | 2, 15 - si, sh.rows, sh.cols, t, ordinary, fixed));
    }
}

void writeSeeds(const char* dir) {
  std::vector<std::vector<uint8_t>> seeds;
  seedsFor<float>(seeds);
  seedsFor<double>(seeds);
  for (size_t i = 0; i < seeds.size(); ++i) {
    const std::string path = fmt("%s/seed-%03zu", dir, i);
    FILE* f = fopen(path.c_str(), "wb");
    if (!f || fwrite(seeds[i].data(), 1, seeds[i].size(), f) != seeds[i].size() || fclose(f) != 0) {
      fprintf(stderr, "fuzz_kernels: cannot write %s\n", path.c_str());
      exit(2);
    }
  }
  fprintf(stderr, "fuzz_kernels: wrote %zu seeds to %s\n", seeds.size(), dir);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sigmax::gTwoPassRowBytes = size_t(256) << 10;  // rows of 65536 f32 / 32768 f64 elements take the two-pass path
  if (const char* dir = getenv("FUZZ_KERNELS_WRITE_SEEDS")) {
    writeSeeds(dir);
    exit(0);
  }
  gTables = allTables();
  gStats.assign(gTables.size(), TableStats());
  checkMaxPrint = 1 << 30;
  if (const char* skip = getenv("FUZZ_KERNELS_SKIP")) {
    const std::string list = std::string(",") + skip + ",";
    for (int f = 0; f < kFnCount; ++f)
      if (list.find(std::string(",") + kFn[f].name + ",") != std::string::npos) {
        gSkip |= 1u << f;
        fprintf(stderr, "fuzz_kernels: NOT checking %s (FUZZ_KERNELS_SKIP)\n", kFn[f].name);
      }
    gSkipTinyT = list.find(",tiny-t,") != std::string::npos;
    if (gSkipTinyT) fprintf(stderr, "fuzz_kernels: NOT checking temperatures t with 1/t = inf (FUZZ_KERNELS_SKIP)\n");
  }
  fprintf(stderr, "fuzz_kernels: tables:");
  for (const TableEntry& t : gTables) fprintf(stderr, " %s (%s)", t.name, t.mode.c_str());
  fprintf(stderr, "\n");
  atexit(summary);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ++gExecs;
  Reader r{data, size};
  const unsigned kernel = r.u8() % (kFnCount + 1), flags = r.u8();
  if (flags & 1) fuzzType<double>(r, kernel, flags);
  else fuzzType<float>(r, kernel, flags);
  return 0;
}
