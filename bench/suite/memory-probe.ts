// Measures one engine's memory figures (memory.ts) in a process of its own,
// so that what another engine freed does not hide what this one takes;
// prints them as one JSON line.
//
//   node --expose-gc --import tsx bench/suite/memory-probe.ts luajit|lua51
import type { EngineName } from '../../src/index.js';
import { measureMemory } from './memory.js';
import { generateMessage } from './messages.js';

const engine = (process.argv[2] ?? 'luajit') as EngineName;
const figures = await measureMemory(engine, 'bench/policies/reference.lua', 'reference', { message: generateMessage('2k') });
console.log(JSON.stringify(figures));
