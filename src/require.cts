// What require('scriptlet') loads. The package is ES modules: Node ^20.19,
// ^22.12 and >=24 load them through require(esm), and this hands back the
// same module instance that import gives. An older Node, or one run with
// --no-experimental-require-module, gets a message that says what to do
// rather than ERR_REQUIRE_ESM.

if (!(process.features as { require_module?: boolean }).require_module) {
  throw new Error(
    `scriptlet is an ES module package, and this Node (${process.version}) cannot require() ES modules: ` +
      "use import { openPolicy } from 'scriptlet' (or await import('scriptlet') from CommonJS), " +
      'or run Node ^20.19.0, ^22.12.0 or >=24 without --no-experimental-require-module',
  );
}

module.exports = require('./index.js');
