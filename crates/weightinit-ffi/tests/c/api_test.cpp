// weightinit C API from C++17: the header compiles as C++, and the same bits come back.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "golden.h"
#include "weightinit.h"

int main() {
    int failures = 0;
    auto check = [&](bool ok, const char *what) {
        if (!ok) {
            std::fprintf(stderr, "check failed: %s\n", what);
            failures++;
        }
    };
    std::vector<float> f(16);
    check(wi_fill_normal_f32(42, 7, 123456789, 0.5f, 2.0f, f.data(), f.size()) == WI_OK, "fill");
    for (std::size_t i = 0; i < f.size(); i++) {
        std::uint32_t u;
        std::memcpy(&u, &f[i], sizeof u);
        check(u == GOLDEN_NORMAL_F32[i], "normal bits");
    }
    std::vector<float> he(100 * 784);
    wi_init_spec s{};
    s.scheme = WI_SCHEME_HE_NORMAL;
    s.mode = WI_FAN_IN;
    s.nonlinearity = WI_NONLINEARITY_RELU;
    s.groups = 1;
    const std::size_t shape[2] = {100, 784};
    wi_init_report r{};
    check(wi_init_f32(&s, shape, 2, WI_LAYOUT_TORCH, 2024, 0, he.data(), he.size(), nullptr, 0, &r) == WI_OK, "init");
    check(r.fan_in == 784 && std::string_view(r.scheme) == "he-normal", "report");
    check(wi_fill_normal_f32(1, 1, 0, 0.0f, NAN, f.data(), f.size()) == WI_INVALID_PARAMETER, "nan std");
    check(wi_status_str(WI_NULL_POINTER) != nullptr, "status str");
    std::printf("c++ api: %d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
