// What `scriptlet milter` reads from the configuration besides the scriptlet
// scope (the console and metrics listeners are serve's: listener-config.ts):
//
//   Milter_Listener {
//     Listen "inet:127.0.0.1:8891" { }   # or "unix:/run/scriptlet/milter.sock", "inet:8891@127.0.0.1"
//     max_message_size = 25M             # header and body kept for the policy; past it, 552
//   }

import { didYouMean } from '../config/closest-name.js';
import { ProblemList } from '../config/errors.js';
import { describeValue, findScopes, sameName, scalarText, type ConfigScope, type Origin } from '../config/tree.js';
import { DEFAULT_MAX_MESSAGE_SIZE, parseSize } from '../server/listener-config.js';

export type MilterAddress = { kind: 'inet'; host: string; port: number } | { kind: 'unix'; path: string };

export interface MilterSettings {
  listen: (MilterAddress & { origin: Origin | 'flag' })[];
  maxMessageSize: number;
}

export const DEFAULT_MILTER_LISTEN: MilterAddress = { kind: 'inet', host: '127.0.0.1', port: 8891 };
const OPTIONS = ['Listen', 'max_message_size'];

/**
 * Postfix's and Sendmail's spellings: `inet:HOST:PORT`, `inet:[::1]:PORT`,
 * `inet:PORT@HOST` (Sendmail), `unix:/path` or `local:/path`; or a reason
 * it is none.
 */
export function parseMilterAddress(text: string): MilterAddress | string {
  const expected = `expected "inet:HOST:PORT" (or Sendmail's "inet:PORT@HOST") or "unix:/path", found ${JSON.stringify(text)}`;
  const unix = /^(?:unix|local):(\/.*)$/.exec(text);
  if (unix) return { kind: 'unix', path: unix[1]! };
  const inet = /^inet6?:(?:\[([0-9a-fA-F:.]+)\]|([^\s:@[\]]+)):([0-9]{1,5})$/.exec(text);
  const sendmail = /^inet6?:([0-9]{1,5})@(?:\[([0-9a-fA-F:.]+)\]|([^\s@[\]]+))$/.exec(text);
  const host = inet ? (inet[1] ?? inet[2]) : sendmail ? (sendmail[2] ?? sendmail[3]) : undefined;
  const port = Number(inet ? inet[3] : sendmail?.[1]);
  if (host === undefined || !(port <= 65535)) return expected;
  return { kind: 'inet', host, port };
}

export function formatMilterAddress(a: MilterAddress): string {
  return a.kind === 'unix' ? `unix:${a.path}` : `inet:${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

export function readMilterSettings(tree: ConfigScope): MilterSettings {
  const problems = new ProblemList();
  const settings: MilterSettings = { listen: [], maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE };
  for (const scope of findScopes(tree, 'milter_listener')) {
    for (const node of scope.body) {
      if (sameName(node.name, 'listen')) {
        if (node.kind === 'scope') {
          if (node.body.length > 0) problems.add(node.body[0]!.origin, 'scriptlet milter takes no options inside a Listen scope');
          addListen(node.instance ?? '', node.origin, settings, problems);
        } else {
          const items = node.value.kind === 'list' ? node.value.items : [node.value];
          for (const item of items) addListen(scalarText(item) ?? describeValue(item), item.origin, settings, problems);
        }
      } else if (node.kind === 'option' && sameName(node.name, 'max_message_size')) {
        const size = parseSize(node.value);
        if (size === undefined) problems.add(node.value.origin, `option '${node.name}' expects a size in bytes > 0, optionally with suffix K, M or G, found ${describeValue(node.value)}`);
        else settings.maxMessageSize = size;
      } else {
        problems.add(node.origin, `invalid configuration option '${node.name}' in 'milter_listener' (scriptlet milter reads ${OPTIONS.join(', ')})${didYouMean(node.name, OPTIONS)}`);
      }
    }
  }
  problems.throwIfAny();
  return settings;
}

function addListen(text: string, origin: Origin, settings: MilterSettings, problems: ProblemList): void {
  const a = parseMilterAddress(text);
  if (typeof a === 'string') problems.add(origin, `Listen: ${a}`);
  else settings.listen.push({ ...a, origin });
}
