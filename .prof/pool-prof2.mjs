import * as fs from 'node:fs';
import { openEngine } from '../dist/src/pool/index.js';
const threads = Number(process.argv[2] ?? 2), size = Number(process.argv[3] ?? 64);
const raw = fs.readFileSync('bench/messages/2k.eml');
const inputs = Array.from({ length: size }, () => ({ message: Buffer.from(raw), mailfrom: 'alice@example.net', rcptto: ['bob@example.com'], remoteAddr: '192.0.2.7' }));
const e = openEngine({ scripts: [{ name: 'reference', path: 'bench/policies/reference.lua' }], threads, maxBatch: 4096, log: () => {} });
await e.ready();
for (let k = 0; k < 3; k++) {
const t0 = process.hrtime.bigint(); const c0 = process.cpuUsage(); let sent = 0; const rounds = 200000 / size;
const lane = async () => { while (sent < rounds) { sent++; await e.runBatch('data', inputs); } };
await Promise.all(Array.from({ length: 4 * threads }, lane));
const cu = process.cpuUsage(c0);
console.log('ns/msg', Number(process.hrtime.bigint() - t0) / (rounds * size), 'process cpu ns/msg', (cu.user + cu.system) * 1000 / (rounds * size));
}
await e.close();
