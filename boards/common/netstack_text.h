// Text that the module hands to a board's glue, made printable. AssemblyScript strings are
// UTF-16LE: env.abort passes pointers to string objects (their byte length is the u32 just
// before the data), hal.log passes a pointer and a byte length. Characters outside printable
// ASCII become '?'; a range outside the module's memory prints as "?". Header-only, no runtime
// calls, so every C board (wasm3 or WAMR) can use it with its memory base and size.
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Copies the UTF-16LE text at mem[offset, offset + bytes) into out (always NUL-terminated). */
static inline void netstack_text(const uint8_t *mem, uint32_t mem_bytes, uint32_t offset, uint32_t bytes,
                                 char *out, size_t out_bytes) {
  size_t n = 0;
  if (out_bytes == 0) return;
  if (offset <= mem_bytes && bytes <= mem_bytes - offset) {
    for (uint32_t i = 0; i + 1 < bytes && n + 1 < out_bytes; i += 2) {
      uint32_t unit = mem[offset + i] | (uint32_t)mem[offset + i + 1] << 8;
      out[n++] = unit >= 0x20 && unit < 0x7f ? (char)unit : '?';
    }
  } else if (out_bytes > 1) {
    out[n++] = '?';
  }
  out[n] = '\0';
}

/* An AssemblyScript string object at offset: the byte length sits in the 4 bytes before it. */
static inline void netstack_as_string(const uint8_t *mem, uint32_t mem_bytes, uint32_t offset,
                                      char *out, size_t out_bytes) {
  uint32_t bytes = UINT32_MAX; /* no readable header: out of range */
  if (offset >= 4 && offset <= mem_bytes) {
    const uint8_t *header = mem + offset - 4;
    bytes = header[0] | (uint32_t)header[1] << 8 | (uint32_t)header[2] << 16 | (uint32_t)header[3] << 24;
  }
  netstack_text(mem, mem_bytes, offset, bytes, out, out_bytes);
}
