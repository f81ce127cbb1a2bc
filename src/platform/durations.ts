/**
 * A span of time as people read it, for the pull limit's window and the cache store's time to
 * live alike. Pure, and at the bottom layer so that the hot path's stores may use it too.
 */

/** 21600 → "6 hours", 3600 → "1 hour", 90 → "90 seconds". */
export function humanWindow(seconds: number): string {
  const units: Array<[number, string]> = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}
