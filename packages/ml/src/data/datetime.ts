/**
 * Date-time text → epoch milliseconds. Wall-clock times without a zone are read as UTC, so date parts
 * computed later (month, weekday, hour) are the ones written in the file whatever the host's zone.
 */

/** `YYYY-MM-DD`, optionally followed by `[T ]HH:MM[:SS[.fff]]` and `Z`; NaN when the text is not one. */
export function parseDateTime(text: string, start = 0, end = text.length): number {
  const len = end - start;
  if (len < 10 || text.charCodeAt(start + 4) !== 45 || text.charCodeAt(start + 7) !== 45) return Number.NaN;
  const year = digits(text, start, 4);
  const month = digits(text, start + 5, 2);
  const day = digits(text, start + 8, 2);
  let hour = 0;
  let minute = 0;
  let second = 0;
  let millis = 0;
  let p = start + 10;
  if (p < end) {
    const sep = text.charCodeAt(p);
    if ((sep !== 32 && sep !== 84) || end - p < 6 || text.charCodeAt(p + 3) !== 58) return Number.NaN;
    hour = digits(text, p + 1, 2);
    minute = digits(text, p + 4, 2);
    p += 6;
    if (p < end && text.charCodeAt(p) === 58) {
      second = digits(text, p + 1, 2);
      p += 3;
      if (p < end && text.charCodeAt(p) === 46) {
        let scale = 100;
        p++;
        while (p < end && isDigit(text.charCodeAt(p))) {
          millis += (text.charCodeAt(p) - 48) * scale;
          scale /= 10;
          p++;
        }
      }
    }
    if (p < end && text.charCodeAt(p) === 90) p++; // Z
    if (p !== end) return Number.NaN;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return Number.NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(millis));
}

function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) {
    const ch = text.charCodeAt(at + i);
    if (!isDigit(ch)) return Number.NaN;
    value = value * 10 + (ch - 48);
  }
  return value;
}

function isDigit(ch: number): boolean {
  return ch >= 48 && ch <= 57;
}
