// The `Admin_Listener` scope: where the policy editor is served, and who may
// use it.
//
//   Admin_Listener {
//     Listen "127.0.0.1:8025" { }
//     credentials = [ admin = "a long secret" ]   # HTTP basic auth: user = password
//     token = "another long secret"               # or: Authorization: Bearer <token>
//   }
//
// Credentials are always required. A listener on a loopback address with
// none configured gets a random password for the user "admin", written to
// admin-password beside the configuration (mode 0600) and logged by path;
// any other address without credentials is a configuration error.

import { didYouMean } from '../config/closest-name.js';
import { ProblemList } from '../config/errors.js';
import { describeValue, findScopes, sameName, scalarText, type ConfigScope } from '../config/tree.js';
import { parseListenAddress, type ListenAddress } from '../server/listener-config.js';

export interface AdminSettings {
  listen: ListenAddress;
  /** user -> password */
  credentials: Map<string, string>;
  token: string | undefined;
}

export const DEFAULT_ADMIN_LISTEN = { host: '127.0.0.1', port: 8025 };
const OPTIONS = ['Listen', 'credentials', 'token'];
const MIN_SECRET = 8;

export function isLoopback(host: string | undefined): boolean {
  return host !== undefined && (host === 'localhost' || host === '::1' || /^127\./.test(host));
}

/** The Admin_Listener of a configuration, or undefined when it has none. */
export function readAdminSettings(tree: ConfigScope): AdminSettings | undefined {
  const scopes = findScopes(tree, 'admin_listener');
  if (scopes.length === 0) return undefined;
  const problems = new ProblemList();
  const settings: AdminSettings = { listen: { ...DEFAULT_ADMIN_LISTEN, origin: scopes[0]!.origin }, credentials: new Map(), token: undefined };
  for (const scope of scopes) {
    for (const node of scope.body) {
      if (sameName(node.name, 'listen')) {
        const text = node.kind === 'scope' ? (node.instance ?? '') : (scalarText(node.value) ?? describeValue(node.value));
        const parsed = parseListenAddress(text);
        if (typeof parsed === 'string') problems.add(node.origin, `Listen: ${parsed}`);
        else settings.listen = { ...parsed, origin: node.origin };
      } else if (node.kind === 'option' && sameName(node.name, 'credentials')) {
        if (node.value.kind !== 'dict') {
          problems.add(node.value.origin, `credentials expects a dictionary [ user = "password" ], found ${describeValue(node.value)}`);
          continue;
        }
        for (const e of node.value.entries) {
          const password = scalarText(e.value);
          if (password === undefined || password.length < MIN_SECRET) problems.add(e.value.origin, `the password of '${e.key}' must be a string of at least ${MIN_SECRET} characters`);
          else settings.credentials.set(e.key, password);
        }
      } else if (node.kind === 'option' && sameName(node.name, 'token')) {
        const token = scalarText(node.value);
        if (token === undefined || token.length < MIN_SECRET) problems.add(node.value.origin, `token must be a string of at least ${MIN_SECRET} characters`);
        else settings.token = token;
      } else {
        problems.add(node.origin, `invalid configuration option '${node.name}' in 'admin_listener' (it reads ${OPTIONS.join(', ')})${didYouMean(node.name, OPTIONS)}`);
      }
    }
  }
  if (settings.credentials.size === 0 && settings.token === undefined && !isLoopback(settings.listen.host)) {
    problems.add(scopes[0]!.origin, `admin_listener on ${settings.listen.host ?? 'every address'}:${settings.listen.port} needs credentials = [ user = "password" ] or a token: only a loopback listener may go without (it then gets a generated password)`);
  }
  problems.throwIfAny();
  return settings;
}
