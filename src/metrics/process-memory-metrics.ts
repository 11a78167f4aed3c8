// Where the process's memory is, for a host that watches RSS over days:
// scriptlet_process_memory_bytes by kind. RSS alone cannot tell a leak from
// an allocator keeping freed pages; beside it, the calling thread's V8 heap
// and the C heap of the whole process (glibc's malloc, every thread's
// arenas: the addon's allocations, Node's Buffers and native objects, Lua
// 5.1's states; LuaJIT keeps its states in its own mmapped arenas, counted
// by scriptlet_lua_memory_bytes), as used and as held by the allocator.
// When RSS grows while malloc_in_use and v8_heap_used do not, the growth is
// the allocator's retention (malloc_held), not something kept.

import type { Registry } from 'prom-client';
import { readOnScrape, type Rows } from './collector.js';

export interface MallocStats {
  /** Bytes handed out by malloc and not yet freed. */
  inUse: number;
  /** Bytes malloc holds from the kernel (its arenas and mmapped blocks). */
  held: number;
}

/** Registers scriptlet_process_memory_bytes; malloc is the addon's mallocStats (undefined off glibc: those kinds are left out). */
export function registerProcessMemoryMetrics(registry: Registry, malloc: () => MallocStats | undefined): void {
  readOnScrape(
    'gauge',
    registry,
    'scriptlet_process_memory_bytes',
    'Memory of the whole process, by kind: rss (resident), v8_heap_used and v8_heap_total (the calling thread\'s JS heap), external (memory V8 objects point to: Buffers), malloc_in_use and malloc_held (the C heap of every thread, as used and as held by the allocator).',
    ['kind'],
    () => {
      const m = process.memoryUsage();
      const rows: Rows = [
        [{ kind: 'rss' }, m.rss],
        [{ kind: 'v8_heap_used' }, m.heapUsed],
        [{ kind: 'v8_heap_total' }, m.heapTotal],
        [{ kind: 'external' }, m.external],
      ];
      const c = malloc();
      if (c) rows.push([{ kind: 'malloc_in_use' }, c.inUse], [{ kind: 'malloc_held' }, c.held]);
      return rows;
    },
  );
}
