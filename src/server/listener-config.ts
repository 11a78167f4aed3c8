// What `scriptlet serve` reads from the configuration besides the scriptlet
// scope: where to listen for SMTP (`esmtp_listener`), where to spool, and
// where the console's control socket is (`control_listener`), in Momentum's
// shape (each has a default: see serveLocations):
//
//   ESMTP_Listener {
//     Listen "127.0.0.1:2525" { }      # one scope per address (or listen = ( ... ))
//     spool_dir = "spool"              # relative to the file that sets it
//   }
//   Control_Listener { Listen "/tmp/scriptlet.sock" { } }
//   Metrics_Listener { Listen "127.0.0.1:9464" { } }   # GET /metrics for Prometheus
//
// Every problem is reported with its position, like the rest of the config.

import * as path from 'node:path';
import { didYouMean } from '../config/closest-name.js';
import { ProblemList } from '../config/errors.js';
import { finishSecurity, newSecurityDraft, readSecurityOption, SECURITY_OPTIONS, type SecuritySettings } from './security-config.js';
import { describeValue, findScopes, getOption, sameName, scalarText, type ConfigScope, type ConfigValue, type Origin } from '../config/tree.js';
import { DEFAULT_CONNECTION_LIMITS, LIMIT_OPTIONS, readLimitOption, type ConnectionLimits } from './connection-limits.js';

export interface ListenAddress {
  /** undefined: every address (`:25`). */
  host: string | undefined;
  port: number;
  /** Where it was set, or 'flag'. */
  origin: Origin | 'flag';
}

export interface ServeSettings {
  listen: ListenAddress[];
  spoolDir: string | undefined;
  controlSocket: string | undefined;
  /** Where /metrics is served; undefined: not served. */
  metricsListen: ListenAddress | undefined;
  /** The name the server greets with and writes in Received headers. */
  hostname: string | undefined;
  maxMessageSize: number;
  /** STARTTLS and AUTH (security-config.ts). */
  security: SecuritySettings;
  /** Metrics_Listener's allow_remote: serve /metrics beyond loopback (default false). */
  metricsAllowRemote: boolean;
  /** Control_Listener's group: the socket is 0660 for that group instead of 0600. */
  controlGroup: string | undefined;
  /** Connection limits and timeouts (connection-limits.ts). */
  limits: ConnectionLimits;
}

export const DEFAULT_MAX_MESSAGE_SIZE = 25 * 1024 * 1024;
const SIZE = /^([0-9]+)([kmg]?)$/i;
/** What esmtp_listener may hold besides Listen scopes, as its message lists them. */
const ESMTP_LISTENER_OPTIONS = ['Listen', 'spool_dir', 'hostname', 'max_message_size', ...SECURITY_OPTIONS, ...LIMIT_OPTIONS];
const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `127.0.0.1:25`, `[::1]:25`, `:25` (every address), `mx.example.org:25`; or a reason it is none. */
export function parseListenAddress(text: string): { host: string | undefined; port: number } | string {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]*)):([0-9]{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) return `expected an address such as "127.0.0.1:2525", "[::1]:2525" or ":2525", found ${JSON.stringify(text)}`;
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}

/** The spool directory when neither --spool-dir nor the configuration names one: beside the configuration file. */
export const DEFAULT_SPOOL_DIR_NAME = 'spool';
/** The control socket, in the spool directory, when neither --control-socket nor a Control_Listener names one. */
export const DEFAULT_CONTROL_SOCKET_NAME = 'control.sock';

export interface ServeLocations {
  spoolDir: string;
  controlSocket: string;
}

/**
 * Where `scriptlet serve` spools and listens for the console, and so where
 * `scriptlet console <conf>` looks: the flags, else the configuration, else
 * `<confdir>/spool` and `<spool>/control.sock`.
 */
export function serveLocations(confFile: string, settings: ServeSettings, flags: Partial<ServeLocations> = {}): ServeLocations {
  const spoolDir = flags.spoolDir ?? settings.spoolDir ?? path.join(path.dirname(path.resolve(confFile)), DEFAULT_SPOOL_DIR_NAME);
  return { spoolDir, controlSocket: flags.controlSocket ?? settings.controlSocket ?? path.join(spoolDir, DEFAULT_CONTROL_SOCKET_NAME) };
}

/** The listener, spool and control settings of a parsed configuration (all optional there). */
export function readServeSettings(tree: ConfigScope): ServeSettings {
  const problems = new ProblemList();
  const settings: ServeSettings = { listen: [], spoolDir: undefined, controlSocket: undefined, metricsListen: undefined, hostname: undefined, maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE, security: { tls: undefined, auth: undefined }, metricsAllowRemote: false, controlGroup: undefined, limits: { ...DEFAULT_CONNECTION_LIMITS } };
  // Momentum's global spool directory; esmtp_listener's spool_dir wins.
  const spoolBase = getOption(tree, 'spool_base');
  if (spoolBase) settings.spoolDir = directory(spoolBase.value, problems);
  const security = newSecurityDraft();
  for (const scope of findScopes(tree, 'esmtp_listener')) readEsmtpListener(scope, settings, problems, security);
  settings.security = finishSecurity(security, problems);
  for (const scope of findScopes(tree, 'control_listener')) readControlListener(scope, settings, problems);
  for (const scope of findScopes(tree, 'metrics_listener')) readMetricsListener(scope, settings, problems);
  problems.throwIfAny();
  return settings;
}

function readEsmtpListener(scope: ConfigScope, settings: ServeSettings, problems: ProblemList, security = newSecurityDraft()): void {
  for (const node of scope.body) {
    if (node.kind === 'scope') {
      if (!sameName(node.name, 'listen')) problems.add(node.origin, `unexpected scope '${node.name}' in 'esmtp_listener': only Listen "ADDRESS:PORT" { } belongs here`);
      else addListen(node.instance ?? '', node.origin, settings.listen, problems, node.body.length > 0 ? node.body[0]!.origin : undefined);
      continue;
    }
    const name = node.name.toLowerCase();
    if (name === 'listen') {
      const items = node.value.kind === 'list' ? node.value.items : [node.value];
      for (const item of items) addListen(scalarText(item) ?? describeValue(item), item.origin, settings.listen, problems);
    } else if (name === 'spool_dir') {
      settings.spoolDir = directory(node.value, problems);
    } else if (name === 'hostname') {
      const text = scalarText(node.value);
      if (text === undefined || !/^[A-Za-z0-9.-]+$/.test(text)) problems.add(node.value.origin, `option '${node.name}' expects a host name, found ${describeValue(node.value)}`);
      else settings.hostname = text;
    } else if (name === 'max_message_size') {
      const size = parseSize(node.value);
      if (size === undefined) problems.add(node.value.origin, `option '${node.name}' expects a size in bytes > 0, optionally with suffix K, M or G, found ${describeValue(node.value)}`);
      else settings.maxMessageSize = size;
    } else if (readLimitOption(node, settings.limits, problems)) {
      // read into settings.limits
    } else if (!readSecurityOption(node, security, problems)) {
      problems.add(node.origin, `invalid configuration option '${node.name}' in 'esmtp_listener' (scriptlet serve reads ${ESMTP_LISTENER_OPTIONS.join(', ')})${didYouMean(node.name, ESMTP_LISTENER_OPTIONS)}`);
    }
  }
}

function readControlListener(scope: ConfigScope, settings: ServeSettings, problems: ProblemList): void {
  for (const node of scope.body) {
    if (node.kind === 'option' && sameName(node.name, 'group')) {
      const group = scalarText(node.value);
      if (group === undefined || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(group)) problems.add(node.value.origin, `option 'group' expects a group name or id, found ${describeValue(node.value)}`);
      else settings.controlGroup = group;
      continue;
    }
    const isListen = sameName(node.name, 'listen');
    const text = node.kind === 'scope' ? (node.instance ?? '') : isListen ? scalarText(node.value) : undefined;
    const origin = node.kind === 'scope' ? node.origin : node.value.origin;
    if (!isListen) {
      problems.add(node.origin, `invalid configuration option '${node.name}' in 'control_listener' (scriptlet serve reads Listen "/path/to/socket", group)${didYouMean(node.name, ['Listen', 'group'])}`);
    } else if (text === undefined || !text.startsWith('/')) {
      problems.add(origin, `the control listener must be a Unix socket path starting with '/', found ${text === undefined ? 'a list' : JSON.stringify(text)}`);
    } else {
      settings.controlSocket = text;
    }
  }
}

function readMetricsListener(scope: ConfigScope, settings: ServeSettings, problems: ProblemList): void {
  const found: ListenAddress[] = [];
  for (const node of scope.body) {
    if (node.kind === 'option' && sameName(node.name, 'allow_remote')) {
      const b = /^(true|false|yes|no|1|0)$/i.exec(scalarText(node.value) ?? '');
      if (!b) problems.add(node.value.origin, `option 'allow_remote' expects true or false, found ${describeValue(node.value)}`);
      else settings.metricsAllowRemote = /^(true|yes|1)$/i.test(b[1]!);
    } else if (!sameName(node.name, 'listen')) problems.add(node.origin, `invalid configuration option '${node.name}' in 'metrics_listener' (scriptlet serve reads Listen "ADDRESS:PORT", allow_remote)${didYouMean(node.name, ['Listen', 'allow_remote'])}`);
    else if (node.kind === 'scope') addListen(node.instance ?? '', node.origin, found, problems, node.body.length > 0 ? node.body[0]!.origin : undefined);
    else addListen(scalarText(node.value) ?? describeValue(node.value), node.value.origin, found, problems);
  }
  // One endpoint: a second address would serve the same figures twice to the same Prometheus.
  if (found.length > 1) problems.add(found[1]!.origin as Origin, `metrics_listener takes one Listen address, found ${found.length}`);
  if (found.length > 0) settings.metricsListen = found[0];
}

function addListen(text: string, origin: Origin, into: ListenAddress[], problems: ProblemList, inner?: Origin): void {
  if (inner) problems.add(inner, `scriptlet serve takes no options inside a Listen scope`);
  const parsed = parseListenAddress(text);
  if (typeof parsed === 'string') problems.add(origin, `Listen: ${parsed}`);
  else into.push({ ...parsed, origin });
}

function directory(value: ConfigValue, problems: ProblemList): string | undefined {
  const text = scalarText(value);
  if (text === undefined || text === '') {
    problems.add(value.origin, `expected a directory, found ${describeValue(value)}`);
    return undefined;
  }
  return path.resolve(path.dirname(value.origin.file), text);
}

export function parseSize(value: ConfigValue): number | undefined {
  const m = SIZE.exec(scalarText(value) ?? '');
  if (!m) return undefined;
  const n = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
