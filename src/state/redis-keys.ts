// Where a replicated series' counts live in Redis: one integer per series,
// key and window, `<prefix>as:{<series>:<key>}:<window start>`, the window
// start in seconds since the epoch (a multiple of the series' interval, the
// same on every node whose clock is right). The braces are a Redis Cluster
// hash tag: every window of a key sits on one node, so one MGET reads them.
// Keys of address series read as "a.b.c.d/32" or "2001:db8:0:0:0:0:0:1/128"
// (no :: compression, the same on every node); string keys are their bytes.

/** A drained key (hex of the store's bytes) as it appears inside a Redis key. */
export function keyText(type: string, hexKey: string): Buffer {
  const raw = Buffer.from(hexKey, 'hex');
  if (type === 'string') return raw;
  const family = raw[0];
  const mask = raw[1];
  const bytes = raw.subarray(2);
  if (family === 4 && bytes.length === 4) return Buffer.from(`${[...bytes].join('.')}/${mask}`);
  if (family === 6 && bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
    return Buffer.from(`${groups.join(':')}/${mask}`);
  }
  return Buffer.from(`x${hexKey}`);
}

/** The part of every window's Redis key before the window start. */
export function seriesKeyBase(prefix: string, series: string, type: string, hexKey: string): Buffer {
  return Buffer.concat([Buffer.from(`${prefix}as:{${series}:`), keyText(type, hexKey), Buffer.from('}:')]);
}

/** The Redis key of window `bucket` (bucket = floor(time / interval)). */
export function windowKey(base: Buffer, bucket: number, interval: number): Buffer {
  return Buffer.concat([base, Buffer.from(String(bucket * interval))]);
}

/**
 * When a window's key expires: once the series no longer counts the window
 * (windows later), plus a minute for clocks that disagree. Absolute, so
 * that every node's EXPIREAT says the same.
 */
export function windowExpiry(bucket: number, interval: number, windows: number): number {
  return (bucket + windows + 1) * interval + 60;
}
