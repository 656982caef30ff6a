#include "errors.h"
#include "posttrain_torch.h"

namespace {
thread_local std::string last_error;
}

namespace posttrain {
void set_last_error(const std::string& message) { last_error = message; }
void clear_last_error() { last_error.clear(); }
}  // namespace posttrain

PT_API const char* pt_last_error() { return last_error.c_str(); }
