# Adds netstack (glue, poll task, the module) and WAMR to a CMake target of an STM32CubeMX
# project (STM32CubeMX can generate CMake projects). Not run in this repository.
#   set(WAMR_ROOT_DIR /path/to/wasm-micro-runtime)   # WAMR 2.x
#   include(/path/to/netstack/boards/stm32f4-wamr/netstack.cmake)
#   netstack_add_to(${CMAKE_PROJECT_NAME})
set(NETSTACK_BOARD_DIR ${CMAKE_CURRENT_LIST_DIR})

# WAMR: the classic interpreter only (smallest RAM), no AOT/JIT, no libc: the module imports only
# hal.* and env.abort, and WAMR's built-in libc would bring its own env.abort "(i)".
set(WAMR_BUILD_PLATFORM "freertos")
set(WAMR_BUILD_TARGET "THUMBV7EM_VFP") # Cortex-M4F, -mfloat-abi=hard: invokeNative_thumb_vfp.s
set(WAMR_BUILD_INTERP 1)
set(WAMR_BUILD_FAST_INTERP 0)
set(WAMR_BUILD_AOT 0)
set(WAMR_BUILD_JIT 0)
set(WAMR_BUILD_LIBC_BUILTIN 0)
set(WAMR_BUILD_LIBC_WASI 0)
include(${WAMR_ROOT_DIR}/build-scripts/runtime_lib.cmake)

function(netstack_add_to target)
  target_sources(${target} PRIVATE
    ${NETSTACK_BOARD_DIR}/glue.c ${NETSTACK_BOARD_DIR}/netstack_task.c ${NETSTACK_BOARD_DIR}/wasm_blob.S
    ${WAMR_RUNTIME_LIB_SOURCE})
  target_include_directories(${target} PRIVATE ${NETSTACK_BOARD_DIR} ${NETSTACK_BOARD_DIR}/../common)
  set_source_files_properties(${NETSTACK_BOARD_DIR}/wasm_blob.S PROPERTIES
    COMPILE_OPTIONS "-Wa,-I${NETSTACK_BOARD_DIR}/../../build")
endfunction()
