// Starting the admin listener from a configuration: what `scriptlet serve`
// does when the configuration has an Admin_Listener, and what `scriptlet
// editor` does always. In serve a save reloads the running engine with the
// scripts the configuration now names (the stanza may just have been added).

import type { ConfigScope } from '../config/tree.js';
import type { EngineName } from '../native/addon.js';
import type { Engine } from '../pool/index.js';
import { credentialsFor } from './admin-auth.js';
import { DEFAULT_ADMIN_LISTEN, readAdminSettings } from './admin-config.js';
import { startAdminServer, type AdminServer } from './admin-server.js';
import type { Reloader } from './policy-store.js';
import type { ListenAddress } from '../server/listener-config.js';

/** Reloads engine with the configuration's scripts; the error message when the old version keeps serving. */
export function engineReloader(engine: Engine): Reloader {
  return async (config) => {
    const r = await engine.reload({ scripts: config.scripts.map((s) => ({ name: s.name, path: s.path })) });
    return r.ok ? undefined : (r.error?.message ?? 'the reload failed');
  };
}

export interface AdminStart {
  conf: string;
  tree: ConfigScope;
  /** Replaces the configuration's Listen (scriptlet editor --listen). */
  listen?: ListenAddress;
  /** Start even without an Admin_Listener scope (scriptlet editor). */
  always?: boolean;
  engine?: EngineName;
  reload?: Reloader;
  log: (line: string) => void;
}

/** The running admin listener, or undefined when the configuration has none (and always is not set). */
export async function startAdminFromConfig(o: AdminStart): Promise<AdminServer | undefined> {
  const settings = readAdminSettings(o.tree) ?? (o.always ? { listen: { ...DEFAULT_ADMIN_LISTEN, origin: 'flag' as const }, credentials: new Map<string, string>(), token: undefined } : undefined);
  if (!settings) return undefined;
  const listen = o.listen ?? settings.listen;
  const credentials = credentialsFor(settings, o.conf);
  if (credentials.passwordFile && !/^(127\.|::1$|localhost$)/.test(listen.host ?? '')) {
    throw new Error(`the admin listener on ${listen.host ?? 'every address'}:${listen.port} needs credentials = [ user = "password" ] or a token in Admin_Listener`);
  }
  const server = await startAdminServer({ conf: o.conf, host: listen.host, port: listen.port, credentials, ...(o.engine ? { engine: o.engine } : {}), ...(o.reload ? { reload: o.reload } : {}), log: o.log });
  if (credentials.passwordFile) o.log(`policy editor: user "admin", password in ${credentials.passwordFile} (no credentials configured in Admin_Listener)`);
  return server;
}
