// What loading an engine that is not built says: in a checkout, the build
// command; installed as a dependency, how to run the install script npm
// skipped. (The installed case for real: test/install/tarball.install.ts.)

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { howToBuild, loadAddon } from '../../src/native/addon.js';

describe('an engine that is not built', () => {
  it('in a checkout: names the build command for that engine and where to run it', () => {
    assert.equal(howToBuild('/src/scriptlet'), "run 'npm run build' in /src/scriptlet");
    assert.equal(howToBuild('/src/scriptlet', 'lua51'), "run 'npm run build:lua51' in /src/scriptlet");
  });

  it('installed as a dependency: says to rebuild it, approving its install script where npm asks', () => {
    assert.match(howToBuild('/srv/mta/node_modules/scriptlet'), /^no prebuild fits this platform and the install script did not build one: run 'npm rebuild scriptlet' in your project \(where npm asks for it, approve the script first: 'npm install-scripts approve scriptlet'\)/);
  });

  it('an unknown engine is refused by name', () => {
    assert.throws(() => loadAddon('lua54' as never), { code: 'ERR_SCRIPTLET_USAGE', message: "unknown engine 'lua54': expected one of luajit, lua51" });
  });
});
