/**
 * Sticky routing: a key (header or cookie value) hashes to a bucket 0..99 and
 * goes to the canary when its bucket is below the canary weight. The same key
 * keeps its variant while the weight holds; raising the weight only moves keys
 * from primary to canary, never back.
 */
export function stickyBucket(key: string): number {
  // FNV-1a (32-bit): fast, stable across processes and versions.
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % 100;
}

/** The value of cookie `name` in a Cookie header, or undefined. */
export function cookieValue(cookieHeader: string, name: string): string | undefined {
  let start = 0;
  while (start < cookieHeader.length) {
    let end = cookieHeader.indexOf(';', start);
    if (end === -1) end = cookieHeader.length;
    const eq = cookieHeader.indexOf('=', start);
    if (eq !== -1 && eq < end && cookieHeader.slice(start, eq).trim() === name) {
      return cookieHeader.slice(eq + 1, end).trim();
    }
    start = end + 1;
  }
  return undefined;
}
