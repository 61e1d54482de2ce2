/**
 * A sticky routing key as a point in [0, 1): FNV-1a over the UTF-16 code units, then murmur3's
 * finaliser so that keys differing in one character land far apart. Deterministic across
 * processes and restarts — cluster workers must agree on where a key goes — and salted with the
 * deployment name so two deployments split the same keys independently.
 */
export function routeKeyPoint(salt: string, key: string): number {
  let h = 0x811c9dc5;
  const mix = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  };
  // A NUL between the two, so ("ab", "c") and ("a", "bc") differ.
  mix(salt);
  mix("\0");
  mix(key);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}
