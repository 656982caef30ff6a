// Turns C++ exceptions into status codes at the ABI boundary.
#pragma once
#include <exception>
#include <string>

namespace posttrain {
void set_last_error(const std::string& message);
void clear_last_error();
}  // namespace posttrain

// Wraps a body so that any exception becomes status 1 with its message stored for pt_last_error().
#define PT_GUARD(body)                                              \
    try {                                                           \
        posttrain::clear_last_error();                              \
        body;                                                       \
        return 0;                                                   \
    } catch (const std::exception& e) {                             \
        posttrain::set_last_error(e.what());                        \
        return 1;                                                   \
    } catch (...) {                                                 \
        posttrain::set_last_error("unknown C++ exception");         \
        return 1;                                                   \
    }
