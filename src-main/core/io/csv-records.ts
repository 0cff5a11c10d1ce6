/**
 * RFC 4180 records: comma-separated fields, double quotes around fields that hold commas, quotes or line
 * breaks, a quote inside a quoted field written twice. Line breaks may be CRLF, LF or CR.
 */

export interface CsvRecord {
  /** 1-based line on which the record starts, for messages. */
  line: number;
  fields: string[];
}

export interface CsvProblem {
  line: number;
  reason: string;
}

export interface CsvParse {
  records: CsvRecord[];
  problems: CsvProblem[];
}

/**
 * Splits text into records. A record with a malformed quoted field is reported and skipped; an
 * unterminated quote swallows the rest of the file, so parsing stops there with a problem.
 */
export function parseCsvRecords(text: string): CsvParse {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;

  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let broken: string | undefined;
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          const close = text.indexOf('"', i);
          if (close < 0) {
            problems.push({ line: start, reason: 'a quoted field is never closed; the rest of the file is ignored' });
            return { records, problems };
          }
          const chunk = text.slice(i, close);
          line += countLineBreaks(chunk);
          value += chunk;
          if (text[close + 1] === '"') {
            value += '"';
            i = close + 2;
          } else {
            i = close + 1;
            break;
          }
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r' && broken === undefined) {
          broken = 'text follows a closing quote; quotes inside a field must be doubled';
        }
      }
      // Unquoted text (or stray text after a closing quote) runs to the next comma or line break.
      let end = i;
      while (end < n && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
      value += text.slice(i, end);
      i = end;
      fields.push(value);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
      else if (i < n) i++;
      line++;
      break;
    }
    if (broken !== undefined) problems.push({ line: start, reason: broken });
    else if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
  }
  return { records, problems };
}

function countLineBreaks(s: string): number {
  const m = s.match(/\r\n|\r|\n/g);
  return m ? m.length : 0;
}

/** Quotes a field when a reader could otherwise split it or lose its surrounding blanks. */
export function csvField(value: string): string {
  if (/[",\r\n]/.test(value) || value !== value.trim()) return `"${value.replace(/"/g, '""')}"`;
  return value;
}
