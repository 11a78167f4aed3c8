// scriptlet_process_memory_bytes: where a host watching RSS can see whether
// growth is something held (the V8 heap, the C heap in use) or the
// allocator keeping freed memory (malloc_held over malloc_in_use).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { engineFrom, module } from '../pool/helpers.js';
import { samples, value } from './helpers.js';

describe('process memory metrics', () => {
  const registry = new Registry();
  const { engine } = engineFrom(module({ data: '' }), { threads: 1, metrics: { registry } });
  after(() => engine.close());

  it('reports RSS, the V8 heap and the C heap, in use and held', async () => {
    await engine.ready();
    const all = await samples(registry);
    const rss = value(all, 'scriptlet_process_memory_bytes', { kind: 'rss' });
    assert.ok(rss > 10 * 1024 * 1024, `rss ${rss}`);
    assert.ok(value(all, 'scriptlet_process_memory_bytes', { kind: 'v8_heap_used' }) > 0);
    const inUse = value(all, 'scriptlet_process_memory_bytes', { kind: 'malloc_in_use' });
    const held = value(all, 'scriptlet_process_memory_bytes', { kind: 'malloc_held' });
    assert.ok(inUse > 0 && held >= inUse, `malloc in use ${inUse}, held ${held}`);
  });

  it("reports each worker's own V8 heap, sampled after its calls", async () => {
    await engine.run('data', { message: Buffer.from('Subject: x\r\n\r\nbody\r\n') });
    let heap = 0;
    for (let i = 0; i < 40 && heap === 0; i++) {
      heap = (await samples(registry)).get('scriptlet_worker_v8_heap_bytes')?.reduce((sum, s) => sum + s.value, 0) ?? 0;
      if (heap === 0) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(heap > 1024 * 1024, `workers' V8 heap ${heap} bytes`);
  });

  it('counts a 32 MB Buffer in the C heap in use (Node allocates Buffers with malloc)', async () => {
    const read = async () => value(await samples(registry), 'scriptlet_process_memory_bytes', { kind: 'malloc_in_use' });
    const before = await read();
    const kept = Buffer.alloc(32 * 1024 * 1024, 1);
    const grew = (await read()) - before;
    assert.ok(grew >= 31 * 1024 * 1024, `malloc_in_use grew ${grew} bytes for a 32 MB Buffer`);
    assert.equal(kept[kept.length - 1], 1);
  });
});
