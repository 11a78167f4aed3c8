// Who may talk to serve's administrative endpoints:
//   - the console socket is its owner's alone (0600), or its owner's and one
//     group's (0660) when Control_Listener sets `group`; created that way,
//     never widened afterwards, so no other user can connect even for an
//     instant;
//   - an HTTP endpoint without authentication of its own (/metrics) binds to
//     loopback only, unless its listener says `allow_remote = true`.

import * as fs from 'node:fs';
import * as net from 'node:net';

/** 127.0.0.0/8, ::1, ::ffff:127.x, and the name localhost: what only this host can reach. */
export function isLoopback(host: string | undefined): boolean {
  if (host === undefined) return false; // every address
  const h = host.toLowerCase();
  if (h === 'localhost') return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^::ffff:127\./.test(h) || /^(0+:){7}0*1$/.test(h);
  return false;
}

/** Refuses an unauthenticated HTTP listener beyond loopback unless allowRemote. */
export function checkUnauthenticatedBind(what: string, host: string | undefined, allowRemote: boolean): void {
  if (allowRemote || isLoopback(host)) return;
  throw new Error(
    `${what}: ${host === undefined ? 'every address' : host} is not a loopback address, and ${what} has no authentication: ` +
      `listen on 127.0.0.1 or [::1], or set allow_remote = true in its listener (and restrict who reaches it yourself)`,
  );
}

/** A group name (from /etc/group) or a numeric gid, as a gid. */
export function groupId(group: string): number {
  if (/^[0-9]+$/.test(group)) return Number(group);
  let text = '';
  try {
    text = fs.readFileSync('/etc/group', 'utf8');
  } catch {
    // no /etc/group: only numeric ids work
  }
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^[0-9]+$/.test(gid)) return Number(gid);
  }
  throw new Error(`control_listener group '${group}': no such group in /etc/group (give a name or a numeric gid)`);
}

/**
 * Runs listen() under a umask that leaves the socket file with `mode`
 * from the start: a chmod after bind leaves a moment in which any user
 * may connect. listen() on a path binds synchronously, so the umask is
 * restored before anything else runs.
 */
export function withSocketMode<T>(mode: number, listen: () => T): T {
  let previous: number;
  try {
    previous = process.umask(0o777 & ~mode);
  } catch {
    return listen(); // a worker thread may not set the umask: the chmod after listen() is all there is
  }
  try {
    return listen();
  } finally {
    process.umask(previous);
  }
}
