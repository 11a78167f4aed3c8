// The Admin_Listener scope: its options, each problem named with its
// position, credentials required beyond loopback, and the generated
// password (mode 0600) for a loopback listener configured without any.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../src/config/read.js';
import { ConfigError } from '../../src/config/errors.js';
import { readAdminSettings } from '../../src/editor/admin-config.js';
import { credentialsFor, PASSWORD_FILE } from '../../src/editor/admin-auth.js';
import { policyEditorStanzaEdit } from '../../src/editor/config-stanza.js';
import { tempTree } from '../config/fixtures.js';

const read = (text: string) => readAdminSettings(parseConfig(text, '/etc/ecelerity.conf'));
const problems = (text: string) => {
  try {
    read(text);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
  }
  assert.fail('no problem reported');
};

describe('Admin_Listener', () => {
  it('is optional, and reads Listen, credentials and token', () => {
    assert.equal(read('alerting { }'), undefined);
    const s = read('Admin_Listener {\n  Listen "127.0.0.1:8125" { }\n  credentials = [ ann = "ann-secret" bob = "bob-secret" ]\n  token = "a-long-token"\n}');
    assert.deepEqual([s?.listen.host, s?.listen.port, [...(s?.credentials ?? [])], s?.token], ['127.0.0.1', 8125, [['ann', 'ann-secret'], ['bob', 'bob-secret']], 'a-long-token']);
  });

  it('listens on 127.0.0.1:8025 when no Listen is given', () => {
    const s = read('admin_listener { credentials = [ a = "12345678" ] }');
    assert.deepEqual([s?.listen.host, s?.listen.port], ['127.0.0.1', 8025]);
  });

  it('names each problem where it is written', () => {
    assert.deepEqual(problems('Admin_Listener {\n  Listen "nowhere" { }\n  credentials = "x"\n  colour = blue\n}'), [
      '2:3: Listen: expected an address such as "127.0.0.1:2525", "[::1]:2525" or ":2525", found "nowhere"',
      '3:17: credentials expects a dictionary [ user = "password" ], found "x"',
      "4:3: invalid configuration option 'colour' in 'admin_listener' (it reads Listen, credentials, token)",
    ]);
    assert.deepEqual(problems('Admin_Listener { Listen "127.0.0.1:1" { } credentials = [ a = "short" ] }'), ["1:63: the password of 'a' must be a string of at least 8 characters"]);
  });

  it('requires credentials or a token on any address but loopback', () => {
    assert.deepEqual(problems('Admin_Listener {\n  Listen "0.0.0.0:8025" { }\n}'), [
      '1:1: admin_listener on 0.0.0.0:8025 needs credentials = [ user = "password" ] or a token: only a loopback listener may go without (it then gets a generated password)',
    ]);
    assert.ok(read('Admin_Listener { Listen "[::1]:8025" { } }'));
  });

  it('gives a loopback listener without credentials a generated password for admin, readable by the owner only, kept across starts', (t) => {
    const dir = tempTree(t, { 'ecelerity.conf': '' });
    const conf = path.join(dir, 'ecelerity.conf');
    const first = credentialsFor({ credentials: new Map(), token: undefined }, conf);
    assert.equal(first.passwordFile, path.join(dir, PASSWORD_FILE));
    assert.equal(fs.statSync(first.passwordFile).mode & 0o777, 0o600);
    const password = first.users.get('admin');
    assert.ok(password && password.length >= 16);
    assert.equal(credentialsFor({ credentials: new Map(), token: undefined }, conf).users.get('admin'), password);
    assert.equal(credentialsFor({ credentials: new Map([['x', 'configured']]), token: undefined }, conf).passwordFile, undefined);
  });
});

describe('adding the policyeditor stanza', () => {
  it('puts one line before the scriptlet scope closing brace, in the file that holds the scope, and nothing else', (t) => {
    const inner = 'scriptlet "scriptlet" { script "boot" { source = "msys.boot" } }  # "}" in a comment\r\n';
    const dir = tempTree(t, { 'ecelerity.conf': 'alerting { }\r\ninclude "scriptlet.conf"\r\n', 'scriptlet.conf': inner });
    const edit = policyEditorStanzaEdit(path.join(dir, 'ecelerity.conf'));
    assert.equal(edit?.file, path.join(dir, 'scriptlet.conf'));
    assert.equal(edit?.after, 'scriptlet "scriptlet" { script "boot" { source = "msys.boot" } \r\n  script "policyeditor" { source = "policy.policyeditor" }\r\n}  # "}" in a comment\r\n');
    fs.writeFileSync(edit!.file, edit!.after);
    assert.equal(policyEditorStanzaEdit(path.join(dir, 'ecelerity.conf')), undefined, 'once there, it is not added again');
  });
});
