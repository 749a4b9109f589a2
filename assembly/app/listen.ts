// The listening socket each built-in TCP service (app/tcp_services.ts, app/http.ts) opens.
import { tcp_socket_close, tcp_socket_listen, tcp_socket_open } from "../socket/tcp";

/** A socket listening on port of every local address: its handle, or the errno of open or listen. */
export function tcp_listener_open(port: u32, backlog: i32): i32 {
  const handle = tcp_socket_open();
  if (handle < 0) return handle;
  const result = tcp_socket_listen(handle, 0, port, backlog);
  if (result < 0) {
    tcp_socket_close(handle);
    return result;
  }
  return handle;
}
