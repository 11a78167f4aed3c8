// `config set` changes the options RUNTIME_OPTIONS lists (the list
// docs/serve.md is generated from), and refuses every other one.

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SCRIPTLET_OPTION_SPECS } from '../../src/config/scriptlet-options.js';
import { RUNTIME_OPTIONS, runConsoleCommand } from '../../src/server/console-commands.js';
import { startServer } from './helpers.js';

describe('options config set changes', () => {
  it('sets every option listed, to its value in force, and refuses every other with the restart message', async (t) => {
    const { server } = await startServer(t);
    const target = { engine: server.engine, config: server.config, counters: server.counters, shutdown: () => undefined };
    const command = (line: string) => runConsoleCommand(line, target);
    for (const spec of SCRIPTLET_OPTION_SPECS) {
      const get = await command(`config get scriptlet scriptlet ${spec.name}`);
      assert.ok(get.ok, `config get ${spec.name}`);
      const value = get.lines[0]!.slice(`${spec.name} = `.length);
      const set = await command(`config set scriptlet scriptlet ${spec.name} ${value}`);
      if (RUNTIME_OPTIONS.includes(spec)) assert.deepEqual(set, { ok: true, lines: [`${spec.name} = ${value} (until restart)`] });
      else assert.deepEqual(set, { ok: false, error: `option '${spec.name}' cannot be changed at run time: edit the configuration and restart` });
    }
  });

  it('lists memory_limit, which the console changes, and not sandbox, which it does not', () => {
    const names = RUNTIME_OPTIONS.map((s) => s.name);
    assert.ok(names.includes('memory_limit'));
    assert.ok(!names.includes('sandbox'));
  });
});
