// Every function of Momentum's Lua API (MOMENTUM-API.md: the 213 names of its
// function table, and the ones real policies use that the table lacks) and
// what it does here. One list, three readers: docs/lua-api.md's function
// reference and native/lua_function_status.inc are generated from it
// (test/helpers/generated-docs.ts), and test/engine/library-surface.test.ts
// checks every row against a real engine. Nothing in the engine imports it.
//
// status:
//   supported    works as Momentum documents it;
//   different    works, with the difference `note` states;
//   unavailable  cannot mean anything outside Momentum: calling it raises
//                "<name>: not available in scriptlet: <note>";
//   planned      not yet: calling it raises
//                "<name>: not available in scriptlet yet: <note>".

export type LuaFunctionStatus = 'supported' | 'different' | 'unavailable' | 'planned';

export interface LuaFunctionRow {
  /** As Momentum's table writes it: `msys.a.b`, `msg:method`, `msg.field`. */
  name: string;
  /** The module a script requires for it (Momentum's Package column). */
  library: string;
  status: LuaFunctionStatus;
  /** What differs, why it is unavailable, or which part brings it. */
  note: string;
  /** Absent from Momentum's table, seen in real or documented code. */
  extra?: boolean;
}

// Notes used by many rows.
const TIMERS = 'Lua here runs only inside calls: each worker\'s states wake for a message, with no scheduler thread to run a closure later; run periodic work from the host (a timer in Node calling the engine) or per message with `msys.sleep`';
const MIME = 'the MIME tree and text codecs (part 2, MIME branch)';
const SCANNER = 'a vendor content scanner licensed inside Momentum; scan in the host MTA and pass its verdict in the context';
const DKIM = 'DKIM/DomainKeys signing keys and verification belong to the host MTA; pass its results in the context';
const PUSH = 'push and mobile delivery (APN, GCM, Riak mstore) are Momentum delivery channels';
const DSN = 'bounces and delivery status notifications are made by the host MTA, which owns the queue';
const HTTPCLNT = "Momentum's outbound HTTP delivery sessions; no such delivery here";
const AUDIT = 'one monitor, fed by the host (docs/state.md): 12 windows of 300 s unless configured; `monitor` is not looked up';
const SHARED_LUA = 'a master state runs on one thread and workers share no Lua data';

type Row = [name: string, status: LuaFunctionStatus, note?: string];

function group(library: string, rows: Row[], extra = false): LuaFunctionRow[] {
  return rows.map(([name, status, note = '']) => ({ name, library, status, note, ...(extra ? { extra } : {}) }));
}

function policyeditor(rows: Row[]): LuaFunctionRow[] {
  return group('msys.policyeditor', rows).map((r) => ({ ...r, name: `msys.policyeditor.${r.name}` }));
}

export const LUA_FUNCTIONS: readonly LuaFunctionRow[] = [
  ...group('msys', [
    ['msys.asyncOk', 'supported', 'true in a callout run by `Policy.runAsync` (or the pool), false in a synchronous `run`, while loading or in a coroutine of the script'],
    ['msys.cast', 'unavailable', 'msg, vctx and accept are not Momentum userdata classes; there is nothing to reinterpret'],
    ['msys.config', 'different', '`get` and `set` of the `scriptlet` options, as the console\'s `config get/set scriptlet NAME ...` (a `set` changes every worker); other console verbs are refused; returns value, console text or nil, error; suspends (needs `runAsync`); the engine must come from a configuration (`engineFromConfig`, serve, milter, Haraka)'],
    ['msys.dnsLookup', 'different', 'the options table (`priority`, `server`) is not read; errors other than `NXDOMAIN` are Node\'s codes (`ENODATA`, `ETIMEOUT`); suspends only under `runAsync`'],
    ['msys.expandMacro', 'different', '`%{i}` is the client IP (not sendmail\'s queue id); an unknown macro or unset key expands to nothing; SPF letters `p` and `r` give `unknown`, IPv6 is not written as dotted nibbles'],
    ['msys.getClassMetaTable', 'unavailable', 'msg, vctx and accept share one sealed metatable; there are no per-class metatables to extend'],
    ['msys.parseRFC2822Addresses', 'supported', 'component defaults to `"all"`; see "msys.parseRFC2822Addresses" above'],
    ['msys.readfile', 'different', 'files only (no URI but `file://`), found along the script search path then `data_dirs` and, with the sandbox, only inside them; at most 16 MiB; suspends under `runAsync`, reads at once otherwise'],
    ['msys.registerAuth', 'different', 'checks SMTP AUTH in `scriptlet serve` (`lua://SCHEME`), not the console; `authenticate` gets `""` and `{}` for filename and paramsdict, may also return true/false; `enumGroups` and `queryGroups` are not called (see "msys.registerAuth" above)'],
    ['msys.registerControl', 'unavailable', 'console commands are the host\'s (`scriptlet serve`), not a script\'s'],
    ['msys.registerModule', 'different', 'the name must be the `script` stanza\'s: a mismatch is a load error naming the script, not a silent no-op'],
    ['msys.runSieveScript', 'unavailable', 'there is no Sieve interpreter here'],
    ['msys.shareGet', 'supported', 'one table for the whole process, seen by every worker (not across nodes)'],
    ['msys.shareSet', 'supported', 'numbers, strings and booleans (nil removes); any other value is not stored and gives false'],
    ['msys.shareUnset', 'supported'],
    ['msys.snmpTrap', 'unavailable', 'SNMP traps are sent by the host\'s monitoring; use print() and the Prometheus metrics'],
    ['msys.type', 'supported', 'names `ec_message`, `validate_context`, `accept_construct` and `json.null`; other values as type()'],
    ['msys.lock', 'different', `does nothing: ${SHARED_LUA}, so there is nothing to exclude`],
    ['msys.unlock', 'different', `does nothing (see msys.lock)`],
    ['msys.runInPool', 'different', 'runs the closure at once in the same call (`pcall(closure, ...)`): the engine already runs outside Node\'s event loop; the pool name is ignored'],
    ['msys.sleep', 'different', 'suspends the call only under `runAsync` (or the pool); a synchronous `run` raises'],
  ]),
  ...group('msys.threadpool', [
    ['msys.threadpool.count', 'unavailable', 'Momentum thread pools do not exist here; the engine\'s workers are the pool (`threads`)'],
    ['msys.threadpool.find', 'unavailable', 'Momentum thread pools do not exist here'],
    ['msys.threadpool.stat', 'unavailable', 'Momentum thread pools do not exist here; see the pool metrics'],
  ]),
  ...group('msys.timer', [
    ['msys.timer.after', 'unavailable', TIMERS],
    ['msys.timer.at', 'unavailable', TIMERS],
    ['msys.timer.every', 'unavailable', TIMERS],
  ]),
  ...group('thread', [['thread.mutex', 'different', `a mutex object whose lock/unlock/trylock only track their own state: ${SHARED_LUA}; locking a held NORMAL mutex raises instead of deadlocking`]]),
  ...group('msys.core', [
    ['msys.core.dns_get_domain', 'unavailable', 'domain records are part of the host MTA\'s queue'],
    ['msys.core.get_now_ts', 'supported', 'whole seconds since the epoch, from the system clock'],
    ['msys.core.io_wrapper_open', 'unavailable', 'scripts do not write files (sandbox); log with print()'],
    ['msys.core.mail_queue_delay_domain', 'unavailable', 'the queue belongs to the host MTA'],
    ['msys.core.string_new', 'supported'],
  ]),
  ...group('msys.extended.message', [
    ['msg.batch_id', 'different', 'the message id: there are no batches here'],
    ['msg.conn_id', 'different', 'the host\'s session id (`connId` of the call input), `""` when the host gives none'],
    ['msg.id', 'different', 'a string, the id the host gave (Momentum: an object to tostring())'],
    ['msg:binding', 'supported', '`"default"` is always a binding'],
    ['msg:binding_group', 'different', 'without adaptive delivery, a uniformly random binding of the group'],
    ['msg:body', 'different', 'read only'],
    ['msg:body_match', 'different', 'every match, as an array of msys.pcre.match tables, or false'],
    ['msg:body_replace', 'different', 'returns the number of replacements, or false'],
    ['msg:build', 'different', 'the shapes of the header, part and attachment tables are the ones docs/lua-api.md states'],
    ['msg:code', 'different', 'reading gives the code as a number and the text (nothing when none was set); Momentum documents a code string'],
    ['msg:context_delete', 'supported', 'returns 1 or 0'],
    ['msg:context_exists', 'supported', 'returns 1 or 0 (compare with `== 1`)'],
    ['msg:context_exists_and_get', 'supported'],
    ['msg:context_get', 'supported', '`""` for a missing key'],
    ['msg:context_set', 'supported'],
    ['msg:discard', 'supported', 'the client sees acceptance, the script goes on, the reason is logged'],
    ['msg:forward', 'different', 'the message travels in the verdict: scriptlet serve spools it; Haraka and the milter log it as not sent'],
    ['msg:get_delivery_method', 'unavailable', 'delivery belongs to the host MTA; a message here has no delivery method yet'],
    ['msg:get_envelope2', 'supported'],
    ['msg:get_message_size', 'supported'],
    ['msg:header', 'different', 'setting returns nothing (Momentum: a boolean); the default mode is "replace"'],
    ['msg:inject', 'different', 'the message travels in the verdict: scriptlet serve spools it; Haraka and the milter log it as not sent'],
    ['msg:listener_addr', 'supported'],
    ['msg:mailfrom', 'supported'],
    ['msg:makeBoundary', 'supported'],
    ['msg:makeContainer', 'different', '`add_terminator` is accepted and ignored: a container is always written with its closing delimiter'],
    ['msg:makePart', 'supported'],
    ['msg:mime', 'different', '`message/rfc822` parts are leaves; at most 32 levels and 1000 parts'],
    ['msg:raw', 'different', 'read only'],
    ['msg:raw_match', 'different', 'every match, as an array of msys.pcre.match tables, or false'],
    ['msg:raw_replace', 'different', 'returns the number of replacements, or false'],
    ['msg:rcptto', 'supported'],
    ['msg:reception_peer', 'supported'],
    ['msg:text', 'different', 'charsets through glibc iconv with the aliases browsers use; an unknown charset reads as UTF-8, else windows-1252; attached messages are not included'],
    ['msg:text_match', 'different', 'every match in the decoded text of every text/* part, as one array of msys.pcre.match tables, or false'],
    ['msg:text_replace', 'different', 'returns the number of replacements, or false; all text parts or none; a part whose charset lacks a new character becomes utf-8'],
  ]),
  ...group('msys.extended.message_routing', [['msg:routing_domain', 'different', 'a domain set is in the verdict (`routingDomain`), for the host that routes: serve\'s spool envelope, Haraka\'s notes; a later call reads the recipient\'s own domain again; require("msys.extended.message_routing") is not needed to set it']]),
  ...group('msys.extended.message', [
    ['msgpart:addFirstChild', 'supported'],
    ['msgpart:addLastChild', 'supported'],
    ['msgpart:address_header', 'supported'],
    ['msgpart:body_match', 'different', 'every match, as an array of msys.pcre.match tables, or false'],
    ['msgpart:body_replace', 'different', 'returns the number of replacements, or false; a writable part only (msg:mime(false)); a replaced container is kept as one body'],
    ['msgpart:content_type', 'supported'],
    ['msgpart:header', 'supported'],
    ['msgpart:insertAfter', 'supported'],
    ['msgpart:insertBefore', 'supported'],
    ['msgpart:raw_match', 'different', 'every match, as an array of msys.pcre.match tables, or false'],
    ['msgpart:raw_replace', 'different', 'returns the number of replacements, or false; a writable part only (msg:mime(false)); its header must stay fields'],
    ['msgpart:text', 'different', 'as msg:text for one part; nil for a container or an empty body'],
    ['msgpart:text_match', 'different', 'every match, as an array of msys.pcre.match tables, or false'],
    ['msgpart:text_replace', 'different', 'returns the number of replacements, or false; a writable part only (msg:mime(false)); a charset lacking a new character becomes utf-8'],
    ['msgpart:unlink', 'supported'],
  ]),
  ...group('msys.extended.vctx', [
    ['vctx:add_recipient', 'supported'],
    ['vctx:recipient_list', 'different', 'readable in any phase, replaceable only in data, data_spool and each_rcpt; at most 1000 recipients'],
    ['vctx:remove_recipient', 'supported'],
    ['vctx:tarpit', 'different', 'hosts cap the delay at 30 s'],
  ]),
  ...group('msys.core', [
    ['vctx:disconnect', 'supported', 'default reply `421 4.7.0 Closing connection`'],
    ['vctx:get', 'supported'],
    ['vctx:set', 'different', 'values are stored as strings (numbers converted); Momentum keeps any value'],
    ['vctx:set_code', 'supported'],
  ]),
  ...group('msys.extended.ac', [
    ['ac:esmtp_capability_add', 'supported'],
    ['ac:esmtp_capability_remove', 'supported'],
    ['ac:inbound_session_count', 'different', 'counts the sessions the host reports (docs/state.md); `"/24"` is the peer\'s /24, `"IP/mask"` any prefix; service names are upper-cased'],
  ]),
  ...group('msys.pcre', [
    ['msys.pcre.match', 'different', 'a group that took no part is `false` (no holes in the array)'],
    ['msys.pcre.replace', 'different', 'replaces every match (the reference leaves first-or-all open); the replacement is PCRE2\'s extended syntax (`$1`, `${name}`, `$$`)'],
    ['msys.pcre.split', 'different', 'pieces as JavaScript\'s split with a RegExp: empty pieces kept, groups not'],
  ]),
  ...group('msys.cidr', [
    ['msys.cidr.define', 'different', 'types `empty`, `rbldnsd` (a file along the script search path; with the sandbox, only inside it) and `datasource` (loaded by Node just after `init`: `default_value` until then); `record_type` is taken for `value`; unknown options are logged and ignored; see "msys.cidr" above'],
    ['msys.cidr.query', 'supported', 'the address defaults to the connected peer; an IPv4-mapped IPv6 address is looked up as IPv4; a name never defined or an address that is not an IP raises'],
    ['msys.cidr.reload', 'different', 'returns at once: the file is read again in the background and queries answer from the old table until the new one is made'],
  ]),
  ...group('msys.audit', [
    ['msys.audit.connections', 'different', `${AUDIT}; options as msys.audit_series.count (\`key\` or \`cidr\`, \`startv\`, \`endv\`)`],
    ['msys.audit.inbound_session_count', 'different', 'counts the sessions the host reports (docs/state.md); no cidr: the peer; `"/24"`: the peer\'s /24; service defaults to `SMTP`'],
    ['msys.audit.receptions', 'different', AUDIT],
    ['msys.audit.rejections', 'different', AUDIT],
  ]),
  ...group('msys.audit_series', [
    ['msys.audit_series.add', 'different', 'an IPv6 key in a `cidr` (IPv4) series counts nothing; `count` must be an integer'],
    ['msys.audit_series.count', 'different', '`startv` greater than `endv` raises; windows past `num_windows` count 0'],
    ['msys.audit_series.define', 'different', 'shared by every worker of the process; `replicate = "cluster"`/`"manager"` counts across nodes through Redis with a `redis_cluster` scope (counts lag by at most a flush interval), else it is logged and counts stay in the process; `serialize` is ignored; `persist` needs `state_dir`; other parameters for a defined name start it again'],
    ['msys.audit_series.remove_item', 'different', 'an `IP/mask` key forgets every address inside the prefix'],
  ]),
  ...group('msys.gauge_cache', [
    ['msys.gauge_cache.dec', 'supported', 'shared by every worker of the process'],
    ['msys.gauge_cache.define', 'different', '`replicated = true` is logged and counts stay in the process (no Redis configured); `ttl` 0 never expires; a second define changes the limits, keeping the entries'],
    ['msys.gauge_cache.get', 'different', '0 for a key it does not hold (or that expired)'],
    ['msys.gauge_cache.inc', 'supported', 'shared by every worker of the process'],
    ['msys.gauge_cache.remove_item', 'supported'],
  ]),
  ...group('msys.counter', [
    ['msys.counter.add', 'different', 'returns the new value'],
    ['msys.counter.inc', 'different', 'returns the new value'],
    ['msys.counter.open', 'different', 'RELAXED is exact too (relaxed atomics, where STRICT is sequentially consistent); an existing counter keeps the semantics it was made with'],
    ['msys.counter.read', 'different', '0 for a path never made (it is not made)'],
    ['msys.counter.reset', 'supported'],
    ['msys.counter.unlink', 'different', 'returns whether the path existed; handles already open keep counting in the unlinked counter'],
  ]),
  ...group('msys.db', [
    ['msys.db.execute', 'different', 'never cached; suspends the call under `runAsync` (or the pool), a synchronous `run` raises; see "Datasources and msys.db" above'],
    ['msys.db.fetch_row', 'different', 'suspends the call under `runAsync` (or the pool), a synchronous `run` raises; see "Datasources and msys.db" above'],
    ['msys.db.query', 'different', 'SQLite and PostgreSQL datasources only (no LDAP, ODBC, MySQL: no multi-valued columns); suspends the call under `runAsync` (or the pool), a synchronous `run` raises; see "Datasources and msys.db" above'],
  ]),
  ...group('msys.http.client', [
    ['client:do_request', 'different', 'returns true, or false and the reason when no response came; GET, POST, PUT, DELETE (and HEAD, PATCH); suspends the call under `runAsync` (or the pool), bounded by its deadline; see "msys.http.client" above'],
    ['client:get_body', 'supported'],
    ['client:get_headers', 'different', 'an array of "Name: value" lines as received'],
    ['client:get_status', 'supported'],
    ['client:parse_headers', 'different', 'names keep the case received; a repeated header\'s values are joined with ", "'],
    ['client:set_header', 'supported'],
    ['client:set_timeout', 'different', 'seconds (the unit is not documented)'],
    ['msys.http.client.new', 'supported'],
  ]),
  ...group('msys.httpclnt', [
    ['msys.httpclnt.http_status_classifier', 'unavailable', HTTPCLNT],
    ['sess:request_add_header', 'unavailable', HTTPCLNT],
    ['sess:request_delete_header', 'unavailable', HTTPCLNT],
    ['sess:request_finalize', 'unavailable', HTTPCLNT],
    ['sess:request_set_body', 'unavailable', HTTPCLNT],
  ]),
  ...group('json', [
    ['json.decode', 'different', 'objects and arrays are plain Lua tables (Momentum: json-c userdata); JSON null is `json.null`'],
    ['json.encode', 'different', 'returns the JSON text (Momentum: a JSON value to assign to an object field; here assign the table itself)'],
    ['json.new', 'different', 'a plain table whose tostring() is its JSON text'],
    ['json.strerror', 'supported', 'json-c\'s messages'],
  ]),
  ...group('msys.base64', [
    ['msys.base64.decode', 'supported'],
    ['msys.base64.encode', 'supported'],
  ]),
  ...group('msys.idn', [
    ['msys.idn.to_idn', 'different', 'UTS-46 mapping is limited to lower-casing (no NFC, no full-width or compatibility mapping); see "msys.idn"'],
    ['msys.idn.to_utf8', 'supported'],
  ]),
  ...group('msys.qp', [
    ['msys.qp.decode', 'supported'],
    ['msys.qp.encode', 'supported'],
  ]),
  ...group('msys.bounce', [
    ['msys.bounce.classify', 'unavailable', DSN],
    ['msys.bounce.classify_smtp_response', 'unavailable', DSN],
  ]),
  ...group('msys.rfc3464', [
    ['msys.rfc3464.compute_delivery_status', 'unavailable', DSN],
    ['msys.rfc3464.compute_delivery_status_string', 'unavailable', DSN],
    ['msys.rfc3464.create_mdn', 'unavailable', DSN],
    ['msys.rfc3464.extract_delivery_status', 'unavailable', DSN],
    ['msys.rfc3464.send_mdn', 'unavailable', DSN],
  ]),
  ...group('msys.av', [
    ['msys.av.engines', 'unavailable', SCANNER],
    ['msys.av.scan', 'unavailable', SCANNER],
    ['msys.av.scan_part', 'unavailable', SCANNER],
  ]),
  ...group('msys.brightmail', [['msys.brightmail.scan', 'unavailable', SCANNER]]),
  ...group('msys.cloudmark', [
    ['msys.cloudmark.analyze', 'unavailable', SCANNER],
    ['msys.cloudmark.score', 'unavailable', SCANNER],
  ]),
  ...group('msys.commtouch', [['msys.commtouch.diagnose', 'unavailable', SCANNER]]),
  ...group('msys.expurgate', [['msys.expurgate.scan', 'unavailable', SCANNER]]),
  ...group('msys.symantec_beik', [['msys.symantec_beik.scan', 'unavailable', SCANNER]]),
  ...group('msys.validate.dk', [
    ['msys.validate.dk.get_responsible_domain', 'unavailable', DKIM],
    ['msys.validate.dk.sign', 'unavailable', DKIM],
  ]),
  ...group('msys.validate.dkim', [
    ['msys.validate.dkim.get_domains', 'unavailable', DKIM],
    ['msys.validate.dkim.get_responsible_domain', 'unavailable', DKIM],
    ['msys.validate.dkim.get_verify_results', 'unavailable', DKIM],
    ['msys.validate.dkim.reflect', 'unavailable', DKIM],
    ['msys.validate.dkim.sign', 'unavailable', DKIM],
    ['msys.validate.dkim.verify_results_get_count', 'unavailable', DKIM],
    ['msys.validate.dkim.verify_results_get_item', 'unavailable', DKIM],
    ['msys.validate.dkim.verify_status_to_string', 'unavailable', DKIM],
  ]),
  ...group(
    'msys.validate.opendkim',
    ['get_num_sigs', 'get_sig', 'get_sig_canons', 'get_sig_domain', 'get_sig_errorstr', 'get_sig_flags', 'get_sig_hdrsigned', 'get_sig_identity', 'get_sig_keysize', 'get_sig_selector', 'get_sig_signalg', 'sign', 'verify'].map(
      (f): Row => [`msys.validate.opendkim.${f}`, 'unavailable', DKIM],
    ),
  ),
  ...group('msys.apn', [['msys.apn.apn_status_classifier', 'unavailable', PUSH]]),
  ...group('msys.delivery', [['msys.delivery.ob_get_current_message', 'unavailable', PUSH]]),
  ...group('msys.gcm', [
    ['msys.gcm.gcm_classify_error', 'unavailable', PUSH],
    ['msys.gcm.gcm_get_result_error_code', 'unavailable', PUSH],
  ]),
  ...group('msys.mstore', [['msys.mstore.load', 'unavailable', PUSH]]),
  ...group('msys.adaptive', [['msys.adaptive.registerRules', 'unavailable', 'adaptive delivery tunes the host MTA\'s outbound queues']]),
  ...group('msys.dumper', [['msys.dumper.Dumper', 'supported', 'see "msys.dumper" above for the text it writes']]),
  ...group('msys.os', [
    ['msys.os.statvfs_read', 'unavailable', 'scripts do not look at the file system (sandbox); watch disks from the host'],
    ['msys.os.statvfs_subscribe', 'unavailable', 'scripts do not look at the file system (sandbox); watch disks from the host'],
  ]),
  ...policyeditor([
    ['del_header', 'supported', 'over msg:header(h, "")'],
    ['get_binding_domain_failure_rate', 'unavailable', 'delivery statistics belong to the host MTA'],
    ['get_header', 'supported', 'the first value, RFC 2047-decoded, or nil'],
    ['get_mailfrom', 'supported'],
    ['get_mess_recv_from', 'supported', 'over msg:reception_peer'],
    ['get_mess_recv_via', 'supported', 'over msg:listener_addr'],
    ['get_rcptto', 'supported'],
    ['get_variable', 'supported'],
    ['pcre_match', 'supported', 'over msys.pcre.match'],
    ['send_email', 'different', 'over msys.core.ec_message_new, msg:build and msg:inject: the host sends it (see msg:inject)'],
    ['send_trap', 'unavailable', 'SNMP traps are sent by the host\'s monitoring'],
    ['set_binding', 'supported', 'over msg:binding; a comma list picks one name at random; true when bound'],
    ['set_binding_group', 'supported', 'over msg:binding_group; true when bound'],
    ['set_variable', 'supported'],
    ['vctx_conn_get', 'supported', 'over msg:context_get; nil when absent'],
    ['vctx_conn_set', 'supported', 'over msg:context_set; returns the value'],
    ['vctx_mess_get', 'supported', 'over msg:context_get; nil when absent'],
    ['vctx_mess_set', 'supported', 'over msg:context_set; returns the value'],
  ]),
  ...group(
    'msys.extended.message',
    [
      ['msg:copy', 'planned', 'not implemented yet'],
      ['msg:get_code', 'supported'],
      ['msg:set_code', 'supported'],
      ['msg.priority', 'planned', 'not implemented yet'],
      ['msg.recv_method', 'planned', 'not implemented yet'],
    ],
    true,
  ),
  ...group(
    'msys.core',
    [
      ['msys.core.ec_message_new', 'supported'],
      ['msys.core.accept_construct_get_message_construct', 'supported'],
      ['msys.core.config_get_binding_id_from_name', 'different', '`default` is 0, the configured bindings 1..n in configuration order, -1 for no binding'],
      ['msys.core.config_get_binding_group_size', 'supported'],
      ['msys.core.config_get_binding_name_from_id', 'different', '`default` is 0, the configured bindings 1..n in configuration order'],
      ['msys.core.ec_sockaddr_family', 'unavailable', 'addresses are strings here (accept.remote_addr); no sockaddr objects'],
    ],
    true,
  ),
  ...group('msys.extended.ac', [['ac.remote_addr', 'supported']], true),
  ...group('msys.core', [['vctx:exists', 'supported']], true),
  ...group('debug', [['debug.output', 'different', 'print() to the engine\'s log, only with `sandbox = false`: the sandbox removes the debug library']], true),
  ...group('msys', [['msys.getopt', 'unavailable', 'console argument parsing, for msys.registerControl commands (the host owns the console)']], true),
];

/** Every `require` name the reference gives a script, and that it must load. */
export const REQUIRE_NAMES: readonly string[] = [
  'msys.core',
  'msys.extended.message',
  'msys.extended.vctx',
  'msys.extended.ac',
  'msys.extended.message_routing',
  'msys.pcre',
  'msys.cidr',
  'msys.audit',
  'msys.audit_series',
  'msys.counter',
  'msys.gauge_cache',
  'msys.db',
  'msys.datasource',
  'msys.http.client',
  'msys.httpclnt',
  'msys.dumper',
  'json',
  'msys.base64',
  'msys.qp',
  'msys.idn',
  'msys.timer',
  'thread',
  'msys.policyeditor',
];

/** The rows the native stubs fill (functions under a library table). */
export function stubbedRows(): LuaFunctionRow[] {
  return LUA_FUNCTIONS.filter((r) => (r.status === 'unavailable' || r.status === 'planned') && isStubbable(r.name));
}

/** Library functions (`a.b.c`) and msg:/vctx: methods can be stubbed; fields and methods of objects this engine has no method table for cannot. */
export function isStubbable(name: string): boolean {
  if (/^(msg|vctx):/.test(name)) return true;
  return /^[a-z_]+(\.[A-Za-z0-9_]+)+$/.test(name) && !/^(msg|ac)\./.test(name);
}

/** The message a stubbed function raises (the note without its markdown quotes). */
export function stubMessage(row: LuaFunctionRow): string {
  const why = row.note.replaceAll('`', '');
  return row.status === 'planned' ? `${row.name}: not available in scriptlet yet: ${why}` : `${row.name}: not available in scriptlet: ${why}`;
}

/** The library tables every require name of the reference, and of each row, loads. */
export function requireNames(): string[] {
  const libraries = LUA_FUNCTIONS.map((r) => r.library).filter((l) => l !== 'msys' && l !== 'debug');
  return [...new Set([...REQUIRE_NAMES, ...libraries])];
}
