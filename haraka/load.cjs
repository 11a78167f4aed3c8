// Loads the Haraka side of scriptlet (ES modules) for the plugin file
// haraka/scriptlet.js, which Haraka runs as a script where import() is not
// available. Also what require('scriptlet/haraka') gives.
'use strict';
const path = require('node:path');
const { pathToFileURL } = require('node:url');

module.exports = () => import(pathToFileURL(path.join(__dirname, '..', 'dist', 'src', 'haraka', 'haraka-policy.js')).href);
