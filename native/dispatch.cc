// CPU feature detection. An ISA is usable only when the CPU has the instructions (CPUID) *and* the
// OS saves the registers they use across context switches (XCR0 via XGETBV, Intel SDM vol. 1 §13.3).
#include "dispatch.h"

#if defined(__x86_64__) || defined(_M_X64)
#if defined(_MSC_VER)
#include <immintrin.h>
#include <intrin.h>
#else
#include <cpuid.h>
#endif
#endif

namespace sigmax {
namespace {

bool sameName(const char* a, const char* b) {
  while (*a != 0 && *a == *b) ++a, ++b;
  return *a == *b;
}

#if defined(__x86_64__) || defined(_M_X64)
struct Cpuid {
  unsigned eax, ebx, ecx, edx;
};

Cpuid cpuid(unsigned leaf, unsigned subleaf) {
  Cpuid r{0, 0, 0, 0};
#if defined(_MSC_VER)
  int regs[4];
  __cpuidex(regs, static_cast<int>(leaf), static_cast<int>(subleaf));
  r = {static_cast<unsigned>(regs[0]), static_cast<unsigned>(regs[1]), static_cast<unsigned>(regs[2]),
       static_cast<unsigned>(regs[3])};
#else
  if (leaf > __get_cpuid_max(0, nullptr)) return r;
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
#endif
  return r;
}

unsigned long long xcr0() {
#if defined(_MSC_VER)
  return _xgetbv(0);
#else
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<unsigned long long>(hi) << 32) | lo;
#endif
}

constexpr unsigned kLeaf1EcxFma = 1u << 12, kLeaf1EcxOsxsave = 1u << 27, kLeaf1EcxAvx = 1u << 28;
constexpr unsigned kLeaf7EbxAvx2 = 1u << 5, kLeaf7EbxAvx512f = 1u << 16;
constexpr unsigned long long kXcr0SseAvx = 0x6;      // XMM and YMM state
constexpr unsigned long long kXcr0Avx512 = 0xe6;     // plus opmask, ZMM_Hi256, Hi16_ZMM state

struct X86Features {
  bool avx2Fma = false, avx512f = false;
};

/**
 * The largest data or unified cache described by the deterministic cache parameters leaf (Intel leaf 4,
 * AMD leaf 0x8000001D; same layout): ways × partitions × line size × sets, per instance; 0 when the
 * leaf is empty, as some hypervisors leave it (Firecracker on EPYC). The legacy leaf 0x80000006 and
 * sysconf are not used: under such hypervisors they report the sum over every L3 in the package
 * (508 MiB on a 16-CCX EPYC), far more than one core's rows can stay in.
 */
size_t x86CacheBytes() {
  const unsigned maxExtended = cpuid(0x80000000u, 0).eax;
  const unsigned leaf = maxExtended >= 0x8000001Du && cpuid(0x8000001Du, 0).eax != 0 ? 0x8000001Du : 4u;
  size_t best = 0;
  for (unsigned sub = 0; sub < 16; ++sub) {
    const Cpuid c = cpuid(leaf, sub);
    const unsigned type = c.eax & 0x1f;  // 0: no more caches, 1: data, 2: instruction, 3: unified
    if (type == 0) break;
    if (type == 2) continue;
    const size_t bytes = static_cast<size_t>((c.ebx >> 22) + 1) * (((c.ebx >> 12) & 0x3ff) + 1) *
                         ((c.ebx & 0xfff) + 1) * (static_cast<size_t>(c.ecx) + 1);
    if (bytes > best) best = bytes;
  }
  return best;
}

X86Features detectX86() {
  X86Features f;
  const Cpuid l1 = cpuid(1, 0);
  if ((l1.ecx & kLeaf1EcxOsxsave) == 0 || (l1.ecx & kLeaf1EcxAvx) == 0) return f;  // XGETBV unusable
  const unsigned long long xcr = xcr0();
  const Cpuid l7 = cpuid(7, 0);
  f.avx2Fma = (xcr & kXcr0SseAvx) == kXcr0SseAvx && (l7.ebx & kLeaf7EbxAvx2) != 0 && (l1.ecx & kLeaf1EcxFma) != 0;
  f.avx512f = f.avx2Fma && (xcr & kXcr0Avx512) == kXcr0Avx512 && (l7.ebx & kLeaf7EbxAvx512f) != 0;
  return f;
}
#endif

}  // namespace

IsaList availableIsas() {
  IsaList list{{}, 0};
#if defined(__x86_64__) || defined(_M_X64)
  const X86Features f = detectX86();
  if (f.avx512f) list.tables[list.count++] = &kAvx512Kernels;
  if (f.avx2Fma) list.tables[list.count++] = &kAvx2Kernels;
  list.tables[list.count++] = &kSse2Kernels;  // baseline of x86-64
#elif defined(__aarch64__) || defined(_M_ARM64)
  list.tables[list.count++] = &kNeonKernels;  // baseline of AArch64
#endif
  list.tables[list.count++] = &kScalarKernels;
  return list;
}

const KernelTable* findIsa(const IsaList& list, const char* name) {
  for (size_t i = 0; i < list.count; ++i) {
    if (sameName(list.tables[i]->isa, name)) return list.tables[i];
  }
  return nullptr;
}

size_t lastLevelCacheBytes() {
#if defined(__x86_64__) || defined(_M_X64)
  return x86CacheBytes();
#else
  return 0;
#endif
}

void configureKernels() {
  // Three passes while x and y stay within about half the cache (the rest is other cores' and other
  // data's). Unknown size: the default, sized for a 32 MiB last-level cache.
  const size_t cache = lastLevelCacheBytes();
  if (cache != 0) gTwoPassRowBytes = cache / 4 > (size_t(256) << 10) ? cache / 4 : size_t(256) << 10;
}

bool isKnownIsa(const char* name) {
  static const char* const kNames[] = {"avx512", "avx2", "sse2", "neon", "scalar"};
  for (const char* known : kNames) {
    if (sameName(known, name)) return true;
  }
  return false;
}

}  // namespace sigmax
