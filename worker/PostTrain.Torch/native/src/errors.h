// Turns C++ exceptions into status codes at the ABI boundary.
#pragma once
#include <c10/util/Exception.h>

#include <exception>
#include <string>

namespace posttrain {
void set_last_error(const std::string& message);
void clear_last_error();
}  // namespace posttrain

// Wraps a body (commas allowed) so that any exception becomes status 1 with its message stored for pt_last_error().
// The message is only read after a failing status, so success paths do not touch it.
#define PT_GUARD(...)                                               \
    try {                                                           \
        __VA_ARGS__;                                                \
        return 0;                                                   \
    } catch (const c10::Error& e) {                                 \
        posttrain::set_last_error(e.what_without_backtrace());      \
        return 1;                                                   \
    } catch (const std::exception& e) {                             \
        posttrain::set_last_error(e.what());                        \
        return 1;                                                   \
    } catch (...) {                                                 \
        posttrain::set_last_error("unknown C++ exception");         \
        return 1;                                                   \
    }
