#!/usr/bin/env bash
# Builds the C firmware image: the no_std static library for thumbv7em-none-eabihf, linked with
# arm-none-eabi-gcc. Usage: firmware/c/build.sh OUT_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/target/firmware-c}
mkdir -p "$out"
cargo rustc --manifest-path "$root/Cargo.toml" -p weightinit-ffi --release --target thumbv7em-none-eabihf \
  --no-default-features --features panic-handler --crate-type staticlib -q
lib="$root/target/thumbv7em-none-eabihf/release/libweightinit_ffi.a"
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard -O2 -std=c99 -Wall -Wextra -Werror \
  -ffreestanding -nostartfiles -T "$root/firmware/c/link.ld" -I "$root/crates/weightinit-ffi/include" \
  "$root/firmware/c/main.c" "$lib" -lgcc -lc -lnosys -Wl,--gc-sections -Wl,-z,noexecstack -o "$out/weightinit-firmware.elf"
echo "$out/weightinit-firmware.elf"
