// The binding of the logits toolkit (native/logits_binding.cc), exported next to the other kernels.
#ifndef SIGMAX_LOGITS_BINDING_H
#define SIGMAX_LOGITS_BINDING_H

#include <napi.h>

#include "kernels.h"

namespace sigmax {

/** Exports argmax, topK, crossEntropy, sample and their …Async twins; *table is the selected ISA's. */
void exportLogits(Napi::Env env, Napi::Object exports, const KernelTable* const* table);

}  // namespace sigmax

#endif
