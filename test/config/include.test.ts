// `include "file"` and `include "dir"`: spliced where written, relative to the
// including file, directories in name order without hidden files, and cycles
// reported with their chain.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig, parseConfigFile } from '../../src/config/read.js';
import { stripOrigins, type ConfigScope } from '../../src/config/tree.js';
import { problemsOf, tempTree } from './fixtures.js';

function names(scope: ConfigScope): string[] {
  return scope.body.map((n) => n.name);
}

describe('include', () => {
  it('splices an included file where the include is written', (t) => {
    const dir = tempTree(t, {
      'main.conf': 'first = 1\ninclude "more.conf"\nlast = 3\n',
      'more.conf': 'middle = 2\n',
    });
    assert.deepEqual(names(parseConfigFile(path.join(dir, 'main.conf'))), ['first', 'middle', 'last']);
  });

  it('splices into the enclosing scope', (t) => {
    const dir = tempTree(t, {
      'main.conf': 'scriptlet "s" {\n  include "scripts.conf"\n}\n',
      'scripts.conf': 'script "a" { source = "a" }\n',
    });
    const tree = parseConfigFile(path.join(dir, 'main.conf'));
    assert.deepEqual(stripOrigins(tree), {
      kind: 'scope', name: '', instance: null,
      body: [{
        kind: 'scope', name: 'scriptlet', instance: 's',
        body: [{ kind: 'scope', name: 'script', instance: 'a', body: [{ kind: 'option', name: 'source', value: { kind: 'string', text: 'a' } }] }],
      }],
    });
  });

  it('includes the regular files of a directory in name order, skipping hidden files and sub-directories', (t) => {
    const dir = tempTree(t, {
      'main.conf': 'include "conf.d"\n',
      'conf.d/20-b.conf': 'b = 1\n',
      'conf.d/10-a.conf': 'a = 1\n',
      'conf.d/30-c': 'c = 1\n',
      'conf.d/.hidden.conf': 'hidden = 1\n',
      'conf.d/sub/40-d.conf': 'd = 1\n',
    });
    assert.deepEqual(names(parseConfigFile(path.join(dir, 'main.conf'))), ['a', 'b', 'c']);
  });

  it('resolves a path relative to the including file, not to the top file', (t) => {
    const dir = tempTree(t, {
      'main.conf': 'include "sub/inner.conf"\n',
      'sub/inner.conf': 'include "sibling.conf"\n',
      'sub/sibling.conf': 'found = yes\n',
      'sibling.conf': 'wrong = yes\n',
    });
    assert.deepEqual(names(parseConfigFile(path.join(dir, 'main.conf'))), ['found']);
  });

  it('resolves includes of parseConfig text relative to the file it names', (t) => {
    const dir = tempTree(t, { 'part.conf': 'part = 1\n' });
    assert.deepEqual(names(parseConfig('include "part.conf"\n', path.join(dir, 'virtual.conf'))), ['part']);
  });

  it('accepts an absolute path and a bare word path', (t) => {
    const dir = tempTree(t, { 'abs.conf': 'abs = 1\n', 'word.conf': 'word = 1\n' });
    const text = `include ${JSON.stringify(path.join(dir, 'abs.conf'))}\ninclude word.conf\n`;
    assert.deepEqual(names(parseConfig(text, path.join(dir, 'main.conf'))), ['abs', 'word']);
  });

  it('keeps the position of included nodes in their own file', (t) => {
    const dir = tempTree(t, { 'main.conf': 'include "more.conf"\n', 'more.conf': '\n  x = 1\n' });
    const [x] = parseConfigFile(path.join(dir, 'main.conf')).body;
    assert.deepEqual(x?.origin, { file: path.join(dir, 'more.conf'), line: 2, col: 3 });
  });

  it('allows the same file to be included twice when that is not a cycle', (t) => {
    const dir = tempTree(t, { 'main.conf': 'include "x.conf"\ninclude "x.conf"\n', 'x.conf': 'x = 1\n' });
    assert.deepEqual(names(parseConfigFile(path.join(dir, 'main.conf'))), ['x', 'x']);
  });

  it('reports an include cycle with the chain of files', (t) => {
    const dir = tempTree(t, {
      'main.conf': 'include "a.conf"\n',
      'a.conf': 'a = 1\ninclude "b.conf"\n',
      'b.conf': '\n  include "main.conf"\n',
    });
    assert.deepEqual(problemsOf(() => parseConfigFile(path.join(dir, 'main.conf')), dir), [
      'b.conf:2:3: include cycle: main.conf -> a.conf -> b.conf -> main.conf',
    ]);
  });

  it('reports a file that includes itself, and a directory containing its includer', (t) => {
    const dir = tempTree(t, { 'self.conf': 'include "self.conf"\n', 'd/x.conf': 'include "."\n' });
    assert.deepEqual(problemsOf(() => parseConfigFile(path.join(dir, 'self.conf')), dir), [
      'self.conf:1:1: include cycle: self.conf -> self.conf',
    ]);
    assert.deepEqual(problemsOf(() => parseConfigFile(path.join(dir, 'd/x.conf')), dir), [
      'd/x.conf:1:1: include cycle: d/x.conf -> d/x.conf',
    ]);
  });

  it('reports a missing include at the include, and problems inside included files at their own position', (t) => {
    const dir = tempTree(t, {
      'main.conf': 'include "missing.conf"\ninclude "broken.conf"\nafter = (\n',
      'broken.conf': 'ok = 1\nbad = }\n',
    });
    assert.deepEqual(problemsOf(() => parseConfigFile(path.join(dir, 'main.conf')), dir), [
      `main.conf:1:1: cannot include 'missing.conf': no such file or directory (missing.conf)`,
      `broken.conf:2:7: expected a value after '=' for option 'bad', found '}'`,
      `broken.conf:2:7: unexpected '}': no scope is open here`,
      `main.conf:4:1: expected a value or ')' to close the list opened at 3:9, found end of file`,
    ]);
  });

  it('reports an unreadable top-level file at line 1, column 1', (t) => {
    const dir = tempTree(t);
    assert.deepEqual(problemsOf(() => parseConfigFile(path.join(dir, 'nope.conf')), dir), [
      'nope.conf:1:1: cannot read configuration file: no such file or directory',
    ]);
  });

  it('follows a symbolic link to a file in an included directory', (t) => {
    const dir = tempTree(t, { 'main.conf': 'include "d"\n', 'real.conf': 'linked = 1\n', 'd/.keep': '' });
    fs.symlinkSync(path.join(dir, 'real.conf'), path.join(dir, 'd', 'link.conf'));
    fs.symlinkSync(path.join(dir, 'nowhere.conf'), path.join(dir, 'd', 'dangling.conf'));
    assert.deepEqual(names(parseConfigFile(path.join(dir, 'main.conf'))), ['linked']);
  });
});
