/* Firmware check for weightinit on a Cortex-M4F (QEMU mps2-an386): he_normal init of a [100, 784] weight,
 * a batch-1 matmul + ReLU, and stream fills through the C ABI of the no_std static library; prints FNV-1a
 * checksums of the bits over semihosting. tests/firmware.rs compares them with the host's. No heap. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "weightinit.h"

extern uint32_t __bss_start, __bss_end, __stack_top;
int main(void);

static int semihost(int op, const void *arg) {
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static void put(const char *s) { semihost(0x04, s); /* SYS_WRITE0 */ }

static void exit_qemu(int code) {
    uint32_t block[2] = {0x20026u /* ADP_Stopped_ApplicationExit */, (uint32_t)code};
    semihost(0x20, block); /* SYS_EXIT_EXTENDED */
    for (;;) {}
}

void reset_handler(void) {
    /* Enable the FPU (CP10, CP11 full access) before any floating-point instruction. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb");
    for (uint32_t *p = &__bss_start; p < &__bss_end; p++) *p = 0;
    exit_qemu(main());
}

void default_handler(void) { put("fault\n"); exit_qemu(3); }

__attribute__((section(".vectors"), used)) static const void *vectors[16] = {
    &__stack_top, (void *)reset_handler, (void *)default_handler, (void *)default_handler,
    (void *)default_handler, (void *)default_handler, (void *)default_handler, 0, 0, 0, 0,
    (void *)default_handler, (void *)default_handler, 0, (void *)default_handler, (void *)default_handler,
};

static uint64_t fnv(const void *data, size_t bytes) {
    const uint8_t *b = data;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < bytes; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void put_line(const char *label, uint64_t v) {
    char buf[64];
    size_t n = 0;
    while (label[n]) { buf[n] = label[n]; n++; }
    buf[n++] = ' ';
    for (int i = 15; i >= 0; i--) buf[n++] = "0123456789abcdef"[(v >> (4 * i)) & 0xf];
    buf[n++] = '\n';
    buf[n] = 0;
    put(buf);
}

static float w[100 * 784];

int main(void) {
    wi_init_spec s = {0};
    s.scheme = WI_SCHEME_HE_NORMAL;
    s.mode = WI_FAN_IN;
    s.nonlinearity = WI_NONLINEARITY_RELU;
    s.groups = 1;
    const size_t shape[2] = {100, 784};
    wi_status st = wi_init_f32(&s, shape, 2, WI_LAYOUT_TORCH, 2024, 0, w, 100 * 784, NULL, 0, NULL);
    if (st != WI_OK) {
        put_line("init failed, status", (uint64_t)st);
        return 1;
    }
    put_line("he_normal_100x784", fnv(w, sizeof w));
    /* y = relu(x W^T): x[i] = (i % 10) * 0.1 - 0.45. */
    static float x[784], y[100], h[100];
    for (int i = 0; i < 784; i++) x[i] = (float)(i % 10) * 0.1f - 0.45f;
    if (wi_gemm_f32(false, true, 1, 100, 784, 1.0f, x, 784, w, 784, 0.0f, y, 100) != WI_OK) return 1;
    if (wi_relu_f32(y, h, 100) != WI_OK) return 1;
    put_line("matmul_relu_1x100", fnv(h, sizeof h));
    /* A small blocked gemm (12 x 20 by 20 x 9). */
    static float a[12 * 20], b[20 * 9], c[12 * 9];
    for (int i = 0; i < 12 * 20; i++) a[i] = (float)(i % 13) * 0.125f - 0.75f;
    for (int i = 0; i < 20 * 9; i++) b[i] = (float)(i % 7) * 0.25f - 0.5f;
    if (wi_gemm_f32(false, false, 12, 9, 20, 1.0f, a, 20, b, 9, 0.0f, c, 9) != WI_OK) return 1;
    put_line("gemm_12x20x9", fnv(c, sizeof c));
    static float n32[4096];
    static double n64[512];
    if (wi_fill_normal_f32(7, 3, 1000000, 0.0f, 1.0f, n32, 4096) != WI_OK) return 1;
    put_line("normal_f32", fnv(n32, sizeof n32));
    if (wi_fill_normal_f64(7, 3, 5, 0.0, 1.0, n64, 512) != WI_OK) return 1;
    put_line("normal_f64", fnv(n64, sizeof n64));
    if (wi_fill_truncated_normal_f32(7, 4, 0, 0.0f, 1.0f, -2.0f, 2.0f, WI_BOUNDS_STD_UNITS, n32, 4096) != WI_OK) return 1;
    put_line("truncated_f32", fnv(n32, sizeof n32));
    put("done\n");
    return 0;
}
