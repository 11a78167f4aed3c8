// The esmtp_listener and control_listener scopes `scriptlet serve` reads:
// values and positioned problems.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/read.js';
import { parseListenAddress, readServeSettings, DEFAULT_MAX_MESSAGE_SIZE } from '../../src/server/listener-config.js';
import { problemsOf } from '../config/fixtures.js';
import { DEFAULT_CONNECTION_LIMITS } from '../../src/server/connection-limits.js';

const settingsOf = (text: string) => readServeSettings(parseConfig(text, '/etc/mta/ecelerity.conf'));

describe('serve settings from the configuration', () => {
  it('reads Listen scopes and options, spool_dir relative to the file, hostname, max_message_size and the control socket', () => {
    const s = settingsOf(`ESMTP_Listener {
  Listen ":25" { }
  Listen "[::1]:2525" { }
  listen = ( "127.0.0.1:2526" )
  Spool_Dir = "spool"
  hostname = mx.example.org
  max_message_size = 10M
}
Control_Listener { Listen "/run/scriptlet.sock" { } }
Metrics_Listener { Listen "127.0.0.1:9464" { } }
`);
    assert.deepEqual(s.listen.map((l) => [l.host, l.port]), [[undefined, 25], ['::1', 2525], ['127.0.0.1', 2526]]);
    assert.deepEqual([s.metricsListen?.host, s.metricsListen?.port], ['127.0.0.1', 9464]);
    assert.deepEqual([s.spoolDir, s.hostname, s.maxMessageSize, s.controlSocket], ['/etc/mta/spool', 'mx.example.org', 10 * 1024 * 1024, '/run/scriptlet.sock']);
  });

  it("takes Momentum's top-level Spool_Base when the listener sets no spool_dir, and has defaults for the rest", () => {
    const s = settingsOf('Spool_Base = "/var/spool/ecelerity"\n');
    assert.deepEqual(s, { listen: [], spoolDir: '/var/spool/ecelerity', controlSocket: undefined, metricsListen: undefined, hostname: undefined, maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE, security: { tls: undefined, auth: undefined }, metricsAllowRemote: false, controlGroup: undefined, limits: DEFAULT_CONNECTION_LIMITS });
  });

  it('reports every problem with its position', () => {
    const text = `ESMTP_Listener {
  Listen "localhost" { }
  Listen "1.2.3.4:70000" { }
  Listen ":25" { Enable = true }
  spool_dir = ( )
  max_message_size = lots
  hostname = "a b"
  relay_hosts = x
  pool { }
  spool_dri = "q"
}
Control_Listener { Listen "127.0.0.1:2025" { } }
Metrics_Listener { Listen "127.0.0.1:9464" { }  Listen "[::1]:9464" { }  port = 1 }
`;
    assert.deepEqual(problemsOf(() => settingsOf(text), '/etc/mta'), [
      'ecelerity.conf:2:3: Listen: expected an address such as "127.0.0.1:2525", "[::1]:2525" or ":2525", found "localhost"',
      'ecelerity.conf:3:3: Listen: expected an address such as "127.0.0.1:2525", "[::1]:2525" or ":2525", found "1.2.3.4:70000"',
      'ecelerity.conf:4:18: scriptlet serve takes no options inside a Listen scope',
      'ecelerity.conf:5:15: expected a directory, found a list',
      "ecelerity.conf:6:22: option 'max_message_size' expects a size in bytes > 0, optionally with suffix K, M or G, found 'lots'",
      `ecelerity.conf:7:14: option 'hostname' expects a host name, found "a b"`,
      "ecelerity.conf:8:3: invalid configuration option 'relay_hosts' in 'esmtp_listener' (scriptlet serve reads Listen, spool_dir, hostname, max_message_size, tls_certificate, tls_key, tls_ciphers, tls_protocols, AuthLoginParameters, AuthPlainParameters, allow_insecure_auth, concurrency, peer_concurrency, peer_throttle_connections, max_receptions_per_connection, timeout, data_timeout, greeting_delay)",
      "ecelerity.conf:9:3: unexpected scope 'pool' in 'esmtp_listener': only Listen \"ADDRESS:PORT\" { } belongs here",
      "ecelerity.conf:10:3: invalid configuration option 'spool_dri' in 'esmtp_listener' (scriptlet serve reads Listen, spool_dir, hostname, max_message_size, tls_certificate, tls_key, tls_ciphers, tls_protocols, AuthLoginParameters, AuthPlainParameters, allow_insecure_auth, concurrency, peer_concurrency, peer_throttle_connections, max_receptions_per_connection, timeout, data_timeout, greeting_delay); did you mean 'spool_dir'?",
      `ecelerity.conf:12:20: the control listener must be a Unix socket path starting with '/', found "127.0.0.1:2025"`,
      "ecelerity.conf:13:74: invalid configuration option 'port' in 'metrics_listener' (scriptlet serve reads Listen \"ADDRESS:PORT\", allow_remote)",
      'ecelerity.conf:13:49: metrics_listener takes one Listen address, found 2',
    ]);
  });

  it('parses listen addresses', () => {
    assert.deepEqual(parseListenAddress('0.0.0.0:0'), { host: '0.0.0.0', port: 0 });
    assert.deepEqual(parseListenAddress('mx.example.org:25'), { host: 'mx.example.org', port: 25 });
    assert.equal(typeof parseListenAddress('::1:25'), 'string');
    assert.equal(typeof parseListenAddress(':'), 'string');
  });
});
