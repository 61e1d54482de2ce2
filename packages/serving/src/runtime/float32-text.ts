/** 10^0 … 10^22: every one exact in a double. */
const POW10 = Float64Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Beyond these magnitudes a plain decimal would be long: such values keep the double's own text. */
const PLAIN_MIN = 1e-6;
const PLAIN_MAX = 1e9;

/**
 * The decimal places of the shortest plain decimal that reads back as the float32 `magnitude`
 * (positive, a Float32Array element): 0.1 for Math.fround(0.1), not 0.10000000149011612. NaN when
 * the magnitude is outside [1e-6, 1e9) (or, never seen, no candidate reads back). Candidates with 1, 2, … 9 significant digits are tried in
 * turn (9 always reads back); each is formed as an integer over a power of ten, which is exactly
 * the double a JSON parser makes of its text, so `Math.fround(candidate) === magnitude` is the
 * round-trip test itself.
 */
export function float32Places(magnitude: number): number {
  if (!(magnitude >= PLAIN_MIN && magnitude < PLAIN_MAX)) return Number.NaN;
  let exponent = 0;
  if (magnitude >= 1) {
    while (magnitude >= POW10[exponent + 1]!) exponent++;
  } else {
    exponent = -1;
    while (magnitude < 1 / POW10[-exponent]!) exponent--;
  }
  // Nine digits always read back; the tenth only covers an exponent misjudged at a power of ten.
  for (let digits = 1; digits <= 10; digits++) {
    const places = digits - 1 - exponent;
    if (Math.fround(decimalValue(float32Mantissa(magnitude, places), places)) === magnitude) return places;
  }
  return Number.NaN;
}

/** mantissa × 10^-places, correctly rounded (both operands exact), as a parser reads the text. */
const decimalValue = (mantissa: number, places: number) =>
  places >= 0 ? mantissa / POW10[places]! : mantissa * POW10[-places]!;

/** The integer the magnitude rounds to at `places` decimal places (negative: tens, hundreds, …). */
export function float32Mantissa(magnitude: number, places: number): number {
  return places >= 0 ? Math.round(magnitude * POW10[places]!) : Math.round(magnitude / POW10[-places]!);
}

/**
 * The shortest text that reads back as the same float32 (see float32Places), or the double's own
 * text outside the plain range; "null" for a non-finite value, as JSON.stringify writes it.
 */
export function float32Text(value: number): string {
  if (!Number.isFinite(value)) return "null";
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  const places = float32Places(magnitude);
  if (Number.isNaN(places)) return `${value}`;
  let mantissa = float32Mantissa(magnitude, places);
  let fraction = places;
  while (fraction > 0 && mantissa % 10 === 0) {
    mantissa /= 10;
    fraction--;
  }
  const digits = `${mantissa}`;
  let text: string;
  if (fraction <= 0) text = digits + "0".repeat(-fraction);
  else if (digits.length > fraction) {
    text = `${digits.slice(0, digits.length - fraction)}.${digits.slice(digits.length - fraction)}`;
  } else text = `0.${"0".repeat(fraction - digits.length)}${digits}`;
  return value < 0 ? `-${text}` : text;
}
