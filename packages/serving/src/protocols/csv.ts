import { invalid, type Table } from "./decode.js";

/**
 * Parses CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into a header and rows of
 * text cells. A leading unnamed column is pandas' index (`DataFrame.to_csv()` writes it) and is
 * dropped. A UTF-8 byte order mark before the header (Excel writes one) is skipped, as pandas does.
 */
export function parseCsv(text: string): Table {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endCell = () => {
    record.push(cell);
    cell = "";
  };
  const endRecord = () => {
    endCell();
    // Blank lines are skipped, as pandas does.
    if (!(record.length === 1 && record[0] === "")) records.push(record);
    record = [];
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += ch;
    } else if (ch === '"' && cell === "") quoted = true;
    else if (ch === ",") endCell();
    else if (ch === "\n") endRecord();
    else if (ch === "\r") {
      if (text[i + 1] === "\n") i++;
      endRecord();
    } else cell += ch;
    i++;
  }
  if (quoted) throw invalid("Failed to parse the CSV input: a quoted field is not closed.");
  if (cell !== "" || record.length > 0) endRecord();

  const header = records.shift();
  if (!header) throw invalid("Failed to parse the CSV input: it is empty (a header row is required).");
  const skip = header[0] === "" ? 1 : 0;
  records.forEach((r, n) => {
    if (r.length !== header.length) {
      throw invalid(
        `Failed to parse the CSV input: line ${n + 2} has ${r.length} fields; the header has ${header.length}.`,
      );
    }
  });
  return {
    rows: records.length,
    columns: header.slice(skip),
    width: header.length - skip,
    cell: (row, column) => records[row]![column + skip],
    text: true,
  };
}
