// scriptlet for Haraka: the plugin's hooks, what require('scriptlet/haraka')
// gives. Haraka runs a plugin file of its plugins/ directory as a script in
// a sandbox that holds its reply constants; the one line of that file
// (haraka/scriptlet.js, copied there) hands them and the plugin to plugin():
//
//   require('scriptlet/haraka').plugin(exports, { DENY, DENYSOFT, DENYDISCONNECT, DENYSOFTDISCONNECT })
//
// so the hooks are always the installed package's, whatever copy of the
// line Haraka runs. The package is ES modules only: this CommonJS file
// reaches the policy (src/haraka/haraka-policy.ts, compiled) with import().
'use strict';

const cluster = require('node:cluster');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const REPLIES = ['DENY', 'DENYSOFT', 'DENYDISCONNECT', 'DENYSOFTDISCONNECT'];

/**
 * Haraka answers a DSN-named object with its code and text exactly as given,
 * and logs it as a string (its log lines' msg=...): toString is that text,
 * as in Haraka's own haraka-dsn.
 */
class DSN {
  constructor(code, reply) {
    this.code = code;
    this.reply = reply;
  }

  toString() {
    return this.reply;
  }
}

const TEMPFAIL = new DSN(451, '4.3.0 Temporary failure in policy, try again later');

function importPolicy() {
  return import(pathToFileURL(path.join(__dirname, '..', 'dist', 'src', 'haraka', 'haraka-policy.js')).href);
}

/** The bare address of Haraka's Address object (a method in older Haraka, a property in newer). */
function address(params) {
  const a = params && params[0];
  if (!a) return '';
  return (typeof a.address === 'function' ? a.address() : a.address) || '';
}

/** Puts the plugin's register, hooks and shutdown on Haraka's plugin object (`exports` in a plugin file). */
function plugin(target, replies) {
  const missing = REPLIES.filter((name) => typeof (replies && replies[name]) !== 'number');
  if (missing.length > 0) {
    throw new Error(`scriptlet: plugin(exports, { ${REPLIES.join(', ')} }) needs Haraka's constants; missing ${missing.join(', ')}`);
  }

  /** Runs work(policy) and answers Haraka: next() to go on, else the verdict's code and text. */
  function answer(self, next, work) {
    if (!self.policy) {
      self.logerror('scriptlet: a hook ran in the cluster master, where no policy runs');
      return next(replies.DENYSOFT, TEMPFAIL);
    }
    self.policy.then(work).then(
      (r) => {
        if (!r) return next();
        const soft = r.code < 500;
        const dsn = new DSN(r.code, r.text);
        if (r.disconnect) return next(soft ? replies.DENYSOFTDISCONNECT : replies.DENYDISCONNECT, dsn);
        return next(soft ? replies.DENYSOFT : replies.DENY, dsn);
      },
      (err) => {
        self.logerror(`scriptlet: ${err.message}`);
        next(replies.DENYSOFT, TEMPFAIL);
      },
    );
  }

  target.register = function () {
    const cfg = this.config.get('scriptlet.ini');
    const conf = cfg.main && cfg.main.config;
    if (!conf) throw new Error('scriptlet: set config = /path/to/ecelerity.conf in config/scriptlet.ini');
    const file = path.resolve(process.env.HARAKA || process.cwd(), 'config', conf);
    if (cluster.isPrimary && this.config.get('smtp.ini').main.nodes) {
      // Haraka's cluster master (smtp.ini nodes) forks the workers that serve and serves nothing itself.
      this.lognotice(`scriptlet: ${file} is loaded by each cluster worker`);
      return;
    }
    this.policy = importPolicy().then((m) => m.HarakaPolicy.open(file, (line) => this.lognotice(line)));
    this.policy.then(
      (p) => this.lognotice(`scriptlet: policy ready: ${file} (${p.engine.engineVersion}, ${p.engine.threads} threads)`),
      (err) => this.logcrit(`scriptlet: cannot load ${file}: ${err.message}`),
    );
  };

  target.hook_connect = function (next, connection) {
    answer(this, next, (p) => p.connect(connection));
  };

  // The session counted open at connect ends (msys.audit.inbound_session_count).
  target.hook_disconnect = function (next, connection) {
    if (this.policy) this.policy.then((p) => p.disconnect(connection), () => undefined);
    next();
  };

  target.hook_helo = target.hook_ehlo = function (next, connection, helo) {
    answer(this, next, (p) => p.ehlo(connection, helo));
  };

  // The EHLO reply lines with the policy's capability changes; never refuses.
  target.hook_capabilities = function (next, connection) {
    if (!this.policy) return next();
    this.policy.then((p) => p.capabilities(connection)).then(
      () => next(),
      (err) => {
        this.logerror(`scriptlet: ${err.message}`);
        next();
      },
    );
  };

  target.hook_mail = function (next, connection, params) {
    answer(this, next, (p) => p.mailfrom(connection, address(params)));
  };

  target.hook_rcpt = function (next, connection, params) {
    answer(this, next, (p) => p.rcptto(connection, address(params)));
  };

  target.hook_data_post = function (next, connection) {
    answer(this, next, (p) => p.dataPost(connection));
  };

  /** A delivery-log phase: run for the scripts to see, never changing what Haraka does next. */
  function logDelivery(self, next, outcome, hmail, reply) {
    if (!self.policy) return next();
    self.policy.then((p) => p.delivery(outcome, hmail, reply)).then(
      () => next(),
      (err) => {
        self.logerror(`scriptlet: ${err.message}`);
        next();
      },
    );
  }

  // Haraka's outbound: params[2] of delivered is the remote server's reply;
  // bounce gets the error; deferred { delay, err }.
  target.hook_delivered = function (next, hmail, params) {
    logDelivery(this, next, 'delivered', hmail, params && params[2] !== undefined ? String(params[2]) : undefined);
  };

  target.hook_bounce = function (next, hmail, error) {
    logDelivery(this, next, 'bounced', hmail, error ? String(error.message || error) : undefined);
  };

  target.hook_deferred = function (next, hmail, params) {
    const err = params && params.err;
    logDelivery(this, next, 'deferred', hmail, err ? String(err.message || err) : undefined);
  };

  target.shutdown = function () {
    if (this.policy) this.policy.then((p) => p.close(), () => undefined);
  };
}

module.exports = { plugin };
