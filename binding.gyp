# The sigmax addon: baseline code (binding, dispatch, scalar kernels) plus one static library per
# SIMD instruction set, each compiled with only its own ISA flags (as nodejs/node's deps/base64 does),
# so nothing outside those files can contain AVX instructions. No LTO, no global -march.
{
  'variables': {
    'napi_include': "<!(node -p \"require('node-addon-api').include_dir\")",
  },
  'target_defaults': {
    'defines': ['NAPI_VERSION=8', 'NAPI_DISABLE_CPP_EXCEPTIONS', 'NODE_ADDON_API_DISABLE_DEPRECATED'],
    'include_dirs': ['<(napi_include)', 'native'],
    # -ffp-contract=off: no silent a*b+c fusion, so error-free transformations stay exact and the
    # scalar reference rounds the same on every compiler and CPU.
    'cflags': ['-O3', '-ffp-contract=off', '-fno-strict-aliasing'],
    'cflags_cc': ['-std=c++17'],
    'xcode_settings': {
      'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
      'OTHER_CFLAGS': ['-ffp-contract=off'],
      'GCC_ENABLE_CPP_EXCEPTIONS': 'NO',
    },
    'msvs_settings': { 'VCCLCompilerTool': { 'ExceptionHandling': 0, 'AdditionalOptions': ['/std:c++17', '/fp:precise'] } },
  },
  'targets': [
    {
      'target_name': 'sigmax',
      'sources': ['native/binding.cc', 'native/logits_binding.cc', 'native/async_call.cc', 'native/schedule.cc', 'native/dispatch.cc', 'native/thread_pool.cc',
                  'native/kernels_scalar.cc'],
      'conditions': [
        ['target_arch=="x64"', { 'dependencies': ['sigmax_sse2', 'sigmax_avx2', 'sigmax_avx512'] }],
        ['target_arch=="arm64"', { 'dependencies': ['sigmax_neon'] }],
      ],
    },
  ],
  'conditions': [
    ['target_arch=="x64"', {
      'targets': [
        { 'target_name': 'sigmax_sse2', 'type': 'static_library', 'sources': ['native/kernels_sse2.cc'] },
        {
          'target_name': 'sigmax_avx2', 'type': 'static_library', 'sources': ['native/kernels_avx2.cc'],
          'cflags': ['-mavx2', '-mfma'],
          'xcode_settings': { 'OTHER_CFLAGS': ['-mavx2', '-mfma'] },
          'msvs_settings': { 'VCCLCompilerTool': { 'EnableEnhancedInstructionSet': 5 } },
        },
        {
          'target_name': 'sigmax_avx512', 'type': 'static_library', 'sources': ['native/kernels_avx512.cc'],
          'cflags': ['-mavx512f', '-Wno-uninitialized', '-Wno-maybe-uninitialized'],  # GCC 12 PR105593: false alarms in its own headers
          'xcode_settings': { 'OTHER_CFLAGS': ['-mavx512f'] },
          'msvs_settings': { 'VCCLCompilerTool': { 'AdditionalOptions': ['/arch:AVX512'] } },
        },
      ],
    }],
    ['target_arch=="arm64"', {
      'targets': [
        { 'target_name': 'sigmax_neon', 'type': 'static_library', 'sources': ['native/kernels_neon.cc'] },
      ],
    }],
  ],
}
