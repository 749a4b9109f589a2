// The netstack module under wasm3, the same on every wasm3 board: the module's imports
// (assembly/hal.ts) as wasm3 raw functions over the board's hooks (wasm3_netstack.h), and the
// main loop: load, link, init(), configure from board_config.h, poll. Every m3_LinkRawFunction
// line below is checked against the imports of the built module by tests/build/boards.test.ts,
// for each board that lists this file. Not compiled in this repository (no SDK here).
#include <stdarg.h>
#include <stdio.h>

#include "wasm3.h"

#include "board_config.h"
#include "netstack_text.h"
#include "wasm3_netstack.h"

static IM3Runtime netstack_runtime;

/** Formats one line for board_log. */
static void say(enum board_log_level level, const char *format, ...) {
  char line[256];
  va_list args;
  va_start(args, format);
  vsnprintf(line, sizeof line, format, args);
  va_end(args);
  board_log(level, line);
}

// ---- Imports. Offsets into the module's memory are checked with m3ApiCheckMem (a trap when
// out of range). m3ApiGetArgMem is not used for the SPI buffers: it would turn offset 0, which
// the ABI defines as "no buffer", into a pointer to the start of memory.

m3ApiRawFunction(hal_nic_tx) {
  m3ApiReturnType(int32_t);
  m3ApiGetArg(int32_t, iface);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(int32_t, len);
  (void)iface, (void)ptr, (void)len;
  // No frame NIC on these boards: their one link is the ENC28J60, which the module drives over SPI.
  m3ApiReturn(-1);
}

m3ApiRawFunction(hal_log) {
  m3ApiGetArg(int32_t, level);
  m3ApiGetArg(uint32_t, ptr);
  m3ApiGetArg(int32_t, len);
  char text[128];
  netstack_text(_mem, m3_GetMemorySize(runtime), ptr, len < 0 ? UINT32_MAX : (uint32_t)len, text, sizeof text);
  say(BOARD_LOG_INFO, "module [%d]: %s", (int)level, text);
  m3ApiSuccess();
}

m3ApiRawFunction(hal_random) {
  m3ApiReturnType(uint32_t);
  m3ApiReturn(board_random());
}

m3ApiRawFunction(hal_spi_select) {
  m3ApiGetArg(int32_t, on);
  board_spi_select(on != 0);
  m3ApiSuccess();
}

m3ApiRawFunction(hal_spi_transfer) {
  m3ApiGetArg(uint32_t, tx_offset);
  m3ApiGetArg(uint32_t, rx_offset);
  m3ApiGetArg(int32_t, len);
  if (len < 0) m3ApiTrap(m3Err_trapOutOfBoundsMemoryAccess);
  const uint8_t *tx = NULL;
  uint8_t *rx = NULL;
  if (tx_offset != 0) {
    tx = m3ApiOffsetToPtr(tx_offset);
    m3ApiCheckMem(tx, len);
  }
  if (rx_offset != 0) {
    rx = m3ApiOffsetToPtr(rx_offset);
    m3ApiCheckMem(rx, len);
  }
  board_spi_transfer(tx, rx, (size_t)len);
  m3ApiSuccess();
}

m3ApiRawFunction(env_abort) {
  m3ApiGetArg(uint32_t, message);
  m3ApiGetArg(uint32_t, file);
  m3ApiGetArg(int32_t, line);
  m3ApiGetArg(int32_t, column);
  char text[96], where[64];
  netstack_as_string(_mem, m3_GetMemorySize(runtime), message, text, sizeof text);
  netstack_as_string(_mem, m3_GetMemorySize(runtime), file, where, sizeof where);
  say(BOARD_LOG_ERROR, "module abort: %s at %s:%d:%d", text, where, (int)line, (int)column);
  // Unwind the module; call() below reports the trap and restarts the board.
  m3ApiTrap(m3Err_trapAbort);
}

/** Links every import the module may have. Call after m3_LoadModule, before m3_RunStart. */
static M3Result link_imports(IM3Module module) {
  // wasm3 checks each signature against the module's import ("function signature mismatch").
  const M3Result results[] = {
    m3_LinkRawFunction(module, "hal", "nic_tx", "i(iii)", &hal_nic_tx),
    m3_LinkRawFunction(module, "hal", "log", "v(iii)", &hal_log),
    m3_LinkRawFunction(module, "hal", "random", "i()", &hal_random),
    m3_LinkRawFunction(module, "hal", "spi_select", "v(i)", &hal_spi_select),
    m3_LinkRawFunction(module, "hal", "spi_transfer", "v(iii)", &hal_spi_transfer),
    m3_LinkRawFunction(module, "env", "abort", "v(iiii)", &env_abort),
  };
  for (size_t i = 0; i < sizeof results / sizeof results[0]; i++) {
    // An import the module does not have (today: hal.log) is not an error.
    if (results[i] != m3Err_none && results[i] != m3Err_functionLookupFailed) return results[i];
  }
  return m3Err_none;
}

// ---- The main loop.

static void fatal(const char *what, const char *why) {
  say(BOARD_LOG_ERROR, "%s: %s; restarting in 1 s", what, why);
  board_restart();
}

static void check(M3Result result, const char *what) {
  if (result == m3Err_none) return;
  M3ErrorInfo info;
  m3_GetErrorInfo(netstack_runtime, &info);
  say(BOARD_LOG_ERROR, "%s: %s (%s)", what, result, info.message ? info.message : "");
  fatal(what, "wasm3 error");
}

/** An export of the module (assembly/index.ts); tests/build/boards.test.ts checks the names. */
static IM3Function netstack_export(const char *name) {
  IM3Function function = NULL;
  check(m3_FindFunction(&function, netstack_runtime, name), name);
  return function;
}

/** Calls an export with u32 arguments; returns its i32 result (0 if it has none). */
static uint32_t call(IM3Function function, ...) {
  va_list args;
  va_start(args, function);
  M3Result result = m3_CallVL(function, args);
  va_end(args);
  check(result, m3_GetFunctionName(function));
  uint32_t value = 0;
  if (m3_GetRetCount(function) > 0) check(m3_GetResultsV(function, &value), "results");
  return value;
}

static void must(uint32_t result, const char *what) {
  if ((int32_t)result < 0) fatal(what, "refused by the module");
}

static void load(const uint8_t *wasm, uint32_t wasm_bytes) {
  IM3Environment environment = m3_NewEnvironment();
  if (environment) netstack_runtime = m3_NewRuntime(environment, BOARD_WASM3_STACK_BYTES, NULL);
  if (!netstack_runtime) fatal("wasm3", "out of memory");
  IM3Module module;
  check(m3_ParseModule(environment, &module, wasm, wasm_bytes), "parse");
  check(m3_LoadModule(netstack_runtime, module), "load");
  check(link_imports(module), "link");
  // The start function is init(): it lays out all memory, and may use the imports.
  check(m3_RunStart(module), "start");
}

static void configure(void) {
  if (call(netstack_export("abi_version")) != NETSTACK_ABI_VERSION) fatal("abi_version", "module ABI differs from this glue");
  must(call(netstack_export("iface_set_mac"), 0, BOARD_MAC_HI16, BOARD_MAC_LO32), "iface_set_mac");
  must(call(netstack_export("iface_set_ipv4"), 0, BOARD_IPV4_ADDR, BOARD_IPV4_PREFIX, BOARD_IPV4_GATEWAY), "iface_set_ipv4");
  must(call(netstack_export("nic_attach_enc28j60"), 0, BOARD_ENC_FLAGS), "nic_attach_enc28j60");
  must(call(netstack_export("service_udp_echo"), BOARD_UDP_ECHO_PORT), "service_udp_echo");
  must(call(netstack_export("iface_up"), 0), "iface_up");
}

static void report(int32_t status, IM3Function revision) {
  if (status == 1) say(BOARD_LOG_INFO, "link up (ENC28J60 EREVID 0x%02x)", (unsigned)call(revision));
  else if (status == 2) say(BOARD_LOG_WARN, "no carrier");
  else if (status < 0) say(BOARD_LOG_ERROR, "ENC28J60 error %d (the module retries)", (int)status);
}

void netstack_run(const uint8_t *wasm, uint32_t wasm_bytes) {
  load(wasm, wasm_bytes);
  configure();
  board_watch_int();
  IM3Function poll = netstack_export("poll");
  IM3Function nic_status = netstack_export("nic_status");
  IM3Function revision = netstack_export("nic_enc28j60_revision");
  int32_t last_status = 0;
  for (;;) {
    uint32_t delay_ms = call(poll, board_now_ms());
    int32_t status = (int32_t)call(nic_status, 0);
    if (status != last_status) report(status, revision);
    last_status = status;
    // INT stays low while any enabled flag is set (ENC28J60.md §5), so a falling edge can be
    // missed while it is low: then look again within 1 ms instead of waiting for an edge.
    if (board_int_low() && delay_ms > 1) delay_ms = 1;
    board_wait(delay_ms);
  }
}
