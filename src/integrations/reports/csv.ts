export type CsvValue = string | number | boolean | null;

// A spreadsheet runs a cell that starts like a formula (OWASP "CSV Injection"): = + - @, tab and carriage return.
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF, with
 * quotes doubled. Text that a spreadsheet would run as a formula gets a leading
 * single quote, so that it is shown, not run. null is an empty field.
 */
export function csvField(value: CsvValue): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV record, ended by CRLF as RFC 4180 has it. */
export const csvRecord = (values: readonly CsvValue[]): string => `${values.map(csvField).join(',')}\r\n`;
