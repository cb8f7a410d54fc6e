// Runtime choice of the kernel table: the best ISA this CPU and OS support, optionally capped.
#ifndef SIGMAX_DISPATCH_H
#define SIGMAX_DISPATCH_H

#include <stddef.h>

#include "kernels.h"

namespace sigmax {

constexpr size_t kMaxIsas = 4;

struct IsaList {
  const KernelTable* tables[kMaxIsas];  // best first
  size_t count;
};

/** The ISAs this build contains and this CPU can run, best first (the scalar one always last). */
IsaList availableIsas();

/** A table by name from `availableIsas()`, or nullptr. */
const KernelTable* findIsa(const IsaList& list, const char* name);

/** Whether `name` is one of the ISA names sigmax knows on any platform. */
bool isKnownIsa(const char* name);

/** The size of one instance of the last-level cache (what one core's data can stay in), or 0 if unknown. */
size_t lastLevelCacheBytes();

/** Sets the kernels' run-time parameters (gTwoPassRowBytes) for this machine; call once at load. */
void configureKernels();

}  // namespace sigmax

#endif
