// scriptlet for Haraka: runs the scriptlet policies of an ecelerity.conf at
// every SMTP phase. Put this file (or a link to it) in your Haraka
// directory's plugins/, list "scriptlet" in config/plugins, and name the
// configuration in config/scriptlet.ini:
//
//   [main]
//   config = /etc/mta/ecelerity.conf     ; relative: to Haraka's config/ directory
//
// See docs/haraka.md in the scriptlet package.
'use strict'

const fs = require('fs')
const path = require('path')

/**
 * Haraka answers a DSN-named object with its code and text exactly as given,
 * and logs it as a string (its log lines' msg=...): toString is that text,
 * as in Haraka's own haraka-dsn.
 */
class DSN {
    constructor(code, reply) {
        this.code = code
        this.reply = reply
    }

    toString() {
        return this.reply
    }
}

const TEMPFAIL = new DSN(451, '4.3.0 Temporary failure in policy, try again later')

/** haraka/load.cjs beside the real file (this file may be a link), else the installed package's. */
function loadImplementation() {
    const beside = path.join(path.dirname(fs.realpathSync(__filename)), 'load.cjs')
    return fs.existsSync(beside) ? require(beside) : require('scriptlet/haraka')
}

exports.register = function () {
    const cfg = this.config.get('scriptlet.ini')
    const conf = cfg.main && cfg.main.config
    if (!conf) throw new Error('scriptlet: set config = /path/to/ecelerity.conf in config/scriptlet.ini')
    const file = path.resolve(process.env.HARAKA || process.cwd(), 'config', conf)
    this.policy = loadImplementation()().then((m) => m.HarakaPolicy.open(file, (line) => this.lognotice(line)))
    this.policy.catch((err) => this.logcrit(`scriptlet: cannot load ${file}: ${err.message}`))
}

/** Runs work(policy) and answers Haraka: next() to go on, else the verdict's code and text. */
function answer(plugin, next, work) {
    plugin.policy.then(work).then(
        (r) => {
            if (!r) return next()
            const soft = r.code < 500
            const dsn = new DSN(r.code, r.text)
            if (r.disconnect) return next(soft ? DENYSOFTDISCONNECT : DENYDISCONNECT, dsn)
            return next(soft ? DENYSOFT : DENY, dsn)
        },
        (err) => {
            plugin.logerror(`scriptlet: ${err.message}`)
            next(DENYSOFT, TEMPFAIL)
        },
    )
}

/** The bare address of Haraka's Address object (a method in older Haraka, a property in newer). */
function address(params) {
    const a = params && params[0]
    if (!a) return ''
    return (typeof a.address === 'function' ? a.address() : a.address) || ''
}

exports.hook_connect = function (next, connection) {
    answer(this, next, (p) => p.connect(connection))
}

exports.hook_helo = exports.hook_ehlo = function (next, connection, helo) {
    answer(this, next, (p) => p.ehlo(connection, helo))
}

exports.hook_mail = function (next, connection, params) {
    answer(this, next, (p) => p.mailfrom(connection, address(params)))
}

exports.hook_rcpt = function (next, connection, params) {
    answer(this, next, (p) => p.rcptto(connection, address(params)))
}

exports.hook_data_post = function (next, connection) {
    answer(this, next, (p) => p.dataPost(connection))
}

exports.shutdown = function () {
    if (this.policy) this.policy.then((p) => p.close(), () => undefined)
}
