// The summary table the contract suite prints at its end.

const COLUMNS = [
  ["pipeline", "pipeline"],
  ["via", "via"],
  ["request valid", "request"],
  ["response valid", "response"],
];

/**
 * Formats rows of `{pipeline, via, request, response}` as a plain-text table, one line
 * per row under a header; an absent cell is shown as `-`.
 */
export function formatTable(rows) {
  const cells = rows.map((row) => COLUMNS.map(([, key]) => String(row[key] ?? "-")));
  const header = COLUMNS.map(([title]) => title);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...cells.map((line) => line[i].length)));
  const line = (values) =>
    values.map((value, i) => value.padEnd(widths[i])).join(" | ").trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("-|-");
  return [line(header), rule, ...cells.map(line)].join("\n");
}

/** `yes` when no exchange had errors of `key`, `no` when one had, `-` without any. */
export function verdict(records, key) {
  if (records.length === 0) return "-";
  return records.every((record) => record[key].length === 0) ? "yes" : "no";
}
