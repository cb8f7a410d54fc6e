// The binding of the logits toolkit (native/logits_binding.cc), exported next to the other kernels.
#ifndef SIGMAX_LOGITS_BINDING_H
#define SIGMAX_LOGITS_BINDING_H

#include <napi.h>

#include "async_call.h"
#include "kernels.h"

namespace sigmax {

/** What an environment's functions share: the selected ISA's kernels (set by select()) and its async calls. */
struct Instance {
  const KernelTable* table = nullptr;
  AsyncCalls* calls = nullptr;
};

/** Exports argmax, topK, crossEntropy, sample and their …Async twins. */
void exportLogits(Napi::Env env, Napi::Object exports, Instance* instance);

}  // namespace sigmax

#endif
