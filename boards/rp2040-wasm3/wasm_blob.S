/* The netstack module, placed in flash. CMakeLists.txt assembles this with
   -Wa,-I<repository>/build, where `npm run build` writes netstack-tiny.wasm. */
    .section .rodata.netstack_wasm, "a"
    .balign 4
    .global netstack_wasm
netstack_wasm:
    .incbin "netstack-tiny.wasm"
    .global netstack_wasm_end
netstack_wasm_end:
