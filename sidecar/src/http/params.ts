/**
 * Query parameters as numbers. Only plain decimal notation is a number here: `Number()` would also
 * take "0x10" (16), "1e3", "+5", " 5 " and "" (0), which nobody means in a URL.
 */

const DECIMAL = /^\d{1,15}(\.\d{1,15})?$/;

/** The value of a decimal parameter ("2", "0.5"), or null when it is anything else. */
export function parseDecimal(raw: string): number | null {
  return DECIMAL.test(raw) ? Number(raw) : null;
}
