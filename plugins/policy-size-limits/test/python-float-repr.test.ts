/** Numbers printed as Python prints them, so size messages match LiteLLM's byte for byte. */
import { describe, expect, it } from 'vitest';
import { pythonConfigNumber, pythonFloatRepr } from '../src/python-float-repr.js';

describe('pythonFloatRepr', () => {
  // Left: the float; right: Python 3's repr() of it.
  const cases: [number, string][] = [
    [118 / 1024 / 1024, '0.0001125335693359375'], // the spec's request size
    [1e-9, '1e-09'], // the spec's limit, 0.000000001
    [1.5e-5, '1.5e-05'],
    [0.00001, '1e-05'],
    [0.0001, '0.0001'],
    [0.1, '0.1'],
    [1 / 3, '0.3333333333333333'],
    [2 / 3, '0.6666666666666666'],
    [100, '100.0'],
    [32, '32.0'],
    [123.456, '123.456'],
    [0, '0.0'],
    [-0, '-0.0'],
    [-2.5, '-2.5'],
    [-1e-7, '-1e-07'],
    [1234567890123456, '1234567890123456.0'],
    [1e16, '1e+16'],
    [12345678901234567, '1.2345678901234568e+16'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [5e-324, '5e-324'],
    [1e100, '1e+100'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [NaN, 'nan'],
  ];
  for (const [n, python] of cases) {
    it(`${String(n)} → ${python}`, () => expect(pythonFloatRepr(n)).toBe(python));
  }
});

describe('pythonConfigNumber', () => {
  it('prints YAML integers as Python ints and everything else as floats', () => {
    expect(pythonConfigNumber(100)).toBe('100');
    expect(pythonConfigNumber(32)).toBe('32');
    expect(pythonConfigNumber(1e21)).toBe('1000000000000000000000');
    expect(pythonConfigNumber(0.000000001)).toBe('1e-09');
    expect(pythonConfigNumber(0.5)).toBe('0.5');
  });
});
