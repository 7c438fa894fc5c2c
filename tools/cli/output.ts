/** Human output: aligned tables and key/value blocks; --json prints the API's JSON as-is. */
export function table(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  if (rows.length === 0) return "(none)";
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, i) =>
    Math.max(column.length, ...cells.map((line) => line[i]?.length ?? 0)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(columns.map((column) => column.toUpperCase())), ...cells.map(line)].join("\n");
}

export function keyValues(record: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(record).map((key) => key.length));
  return Object.entries(record)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key.padEnd(width)}  ${cell(value)}`)
    .join("\n");
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return "-";
  if (Array.isArray(value)) return value.map(cell).join(",");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * Progress for anything slower than a second: one line on stderr (only on a terminal, so pipes
 * and --json output stay clean), cleared when the call returns.
 */
export function slowNotice(stream: NodeJS.WriteStream = process.stderr) {
  return (what: string): (() => void) => {
    if (!stream.isTTY) return () => {};
    let shown = false;
    const timer = setTimeout(() => {
      shown = true;
      stream.write(`… waiting for ${what}`);
    }, 1000);
    return () => {
      clearTimeout(timer);
      if (shown) stream.write("\r\x1b[2K");
    };
  };
}
