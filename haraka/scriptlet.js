// scriptlet for Haraka. Copy this file into your Haraka directory's plugins/
// (docs/haraka.md in the scriptlet package has every step): it loads the
// plugin's hooks from the scriptlet package installed there, and hands them
// Haraka's reply constants, which only a plugin file can see.
require('scriptlet/haraka').plugin(exports, { DENY, DENYSOFT, DENYDISCONNECT, DENYSOFTDISCONNECT })
