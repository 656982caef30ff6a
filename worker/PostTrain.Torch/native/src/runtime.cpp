// Library and device information.
#include <torch/torch.h>
#include <torch/version.h>

#include "errors.h"
#include "posttrain_torch.h"

PT_API int pt_torch_version(const char** out) { PT_GUARD(*out = TORCH_VERSION) }

PT_API int pt_cuda_is_available(int* out) { PT_GUARD(*out = torch::cuda::is_available() ? 1 : 0) }

PT_API int pt_cuda_device_count(int* out) { PT_GUARD(*out = static_cast<int>(torch::cuda::device_count())) }
