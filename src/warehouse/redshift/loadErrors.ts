import type { Row } from '../types';

const LISTED = 5;

/** Load errors in one line each: `file:line column (type) value "…": reason (load error code)`. */
export function describeLoadErrors(errors: readonly Row[], sourceUrl: string): string {
  const lines = errors.slice(0, LISTED).map((e) => {
    const file = String(e.file_name ?? '').replace(sourceUrl, '');
    const column = e.column_name ? ` column ${String(e.column_name)} (${String(e.column_type ?? '')})` : '';
    const value = e.raw_value ? ` value ${JSON.stringify(String(e.raw_value))}` : '';
    return `${file}:${String(e.line_number)}${column}${value}: ${String(e.error_message)} (load error ${String(e.error_code)})`;
  });
  const more = errors.length > LISTED ? `; and ${errors.length - LISTED} more` : '';
  return lines.join('; ') + more;
}
