/**
 * Numbers as LiteLLM's messages print them, so Sluice's match byte for byte. A size in MB is a
 * float in Python (`bytes / (1024 * 1024)`) and prints as `repr(float)`; a limit prints as the YAML
 * gave it, and an integer there is a Python int (`100`, not `100.0`).
 */

/**
 * Python's `repr(float)`: the shortest digits that round-trip (the same digits JavaScript picks),
 * in scientific notation when the decimal exponent is below -4 or at least 16 (`1e-09`,
 * `1.5e-05`, `1e+16`: at least two exponent digits, no `.0` on a one-digit mantissa), otherwise
 * positional with at least one fractional digit (`100.0`, `0.0001125335693359375`).
 */
export function pythonFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const sign = n < 0 ? '-' : '';
  const [mantissa, exponent] = Math.abs(n).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const e = Number(exponent);
  if (e < -4 || e >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const magnitude = String(Math.abs(e)).padStart(2, '0');
    return `${sign}${digits[0]}${fraction}e${e < 0 ? '-' : '+'}${magnitude}`;
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  if (digits.length <= e + 1) return `${sign}${digits}${'0'.repeat(e + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
}

/** A config number as Python prints what YAML loaded: integers as ints, everything else as floats. */
export function pythonConfigNumber(n: number): string {
  return Number.isInteger(n) ? BigInt(n).toString() : pythonFloatRepr(n);
}
