// C ABI of the PostTrain.Torch shim. Every function returns a status (0 = ok); on failure the
// message of the C++ exception is kept per thread and read with pt_last_error(). No C++ exception
// ever crosses this boundary.
#pragma once
#include <stdint.h>

#define PT_API extern "C" __attribute__((visibility("default")))

PT_API const char* pt_last_error();
PT_API int pt_torch_version(const char** out);
PT_API int pt_cuda_is_available(int* out);
PT_API int pt_cuda_device_count(int* out);
