// The set the pool keeps its batches out and the tasks a worker owes in
// (src/pool/slot-list.ts): a set like any other, which lets go of what it
// no longer holds, and, unlike V8's Set, allocates nothing for an add and a
// delete once it has grown.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SlotList } from '../../src/pool/slot-list.js';
import { allocatedPerOperation } from '../../bench/heap-allocation.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const members = <T>(list: SlotList<T>): T[] => Array.from({ length: list.size }, (_, i) => list.at(i));

describe('a slot list', () => {
  it('holds what was added, once each add, until deleted', () => {
    const list = new SlotList<{ n: number }>();
    const [a, b, c] = [{ n: 1 }, { n: 2 }, { n: 3 }];
    list.add(a);
    list.add(b);
    list.add(c);
    assert.equal(list.size, 3);
    assert.equal(list.delete(b), true);
    assert.equal(list.size, 2);
    assert.deepEqual(new Set(members(list)), new Set([a, c]));
  });

  it('says false for deleting what it does not hold, and changes nothing', () => {
    const list = new SlotList<object>();
    const a = {};
    list.add(a);
    assert.equal(list.delete({}), false);
    assert.equal(list.delete(a), true);
    assert.equal(list.delete(a), false);
    assert.equal(list.size, 0);
  });

  it('removes by position, the last member taking its place', () => {
    const list = new SlotList<string>();
    for (const s of ['a', 'b', 'c', 'd']) list.add(s);
    assert.equal(list.removeAt(1), 'b');
    assert.deepEqual(members(list), ['a', 'd', 'c']);
  });

  it('grows past any size and shrinks back, reusing its room', () => {
    const list = new SlotList<number>();
    for (let i = 0; i < 1000; i++) list.add(i);
    assert.equal(list.size, 1000);
    for (let i = 0; i < 1000; i += 2) assert.equal(list.delete(i), true);
    assert.equal(list.size, 500);
    assert.deepEqual(members(list).sort((x, y) => x - y), Array.from({ length: 500 }, (_, i) => 2 * i + 1));
    list.add(-1);
    assert.equal(list.size, 501);
  });

  it('copies its members for going through them while they change', () => {
    const list = new SlotList<number>();
    for (const n of [1, 2, 3]) list.add(n);
    for (const n of list.toArray()) list.delete(n);
    assert.equal(list.size, 0);
  });

  it('empties on clear', () => {
    const list = new SlotList<number>();
    for (const n of [1, 2, 3]) list.add(n);
    list.clear();
    assert.equal(list.size, 0);
    assert.deepEqual(list.toArray(), []);
  });

  it('lets go of what it deleted, removed or cleared: nothing stays reachable from it', async () => {
    const list = new SlotList<object>();
    const refs: WeakRef<object>[] = [];
    const fill = () => {
      for (let i = 0; i < 6; i++) {
        const o = { i };
        refs.push(new WeakRef(o));
        list.add(o);
      }
    };
    fill();
    list.delete(list.at(2));
    list.removeAt(0);
    list.clear();
    // A WeakRef keeps its target until the job that made it has ended.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0);
  });

  it('allocates nothing for an add and a delete once grown, where a Set allocates a table for each', async () => {
    const items = Array.from({ length: 8 }, (_, i) => ({ i }));
    const list = new SlotList<object>();
    const set = new Set<object>();
    const churn = (add: (o: object) => void, remove: (o: object) => void) => (n: number) => {
      for (let i = 0; i < n; i++) {
        add(items[i & 7]!);
        remove(items[i & 7]!);
      }
    };
    const listChurn = churn((o) => list.add(o), (o) => list.delete(o));
    const setChurn = churn((o) => set.add(o), (o) => set.delete(o));
    // Warm up: compiled (optimized), and grown.
    for (let i = 0; i < 3; i++) listChurn(50_000), setChurn(50_000);
    const listPerOp = await allocatedPerOperation(listChurn, 20_000, 200_000);
    const setPerOp = await allocatedPerOperation(setChurn, 20_000, 200_000);
    assert.ok(setPerOp > 32, `a Set churned through ${setPerOp} bytes an add and delete: the comparison assumes it allocates`);
    assert.ok(listPerOp < 1, `the slot list allocated ${listPerOp} bytes an add and delete (a Set: ${setPerOp})`);
  });
});
