import { describe, expect, it } from 'vitest';
import { csvField, parseCsvRecords } from './csv-records.js';

describe('parseCsvRecords', () => {
  it('splits plain fields and keeps empty ones', () => {
    expect(parseCsvRecords('a,b,,d\n,,\n')).toEqual({
      records: [
        { line: 1, fields: ['a', 'b', '', 'd'] },
        { line: 2, fields: ['', '', ''] },
      ],
      problems: [],
    });
  });

  it('accepts CRLF, LF and CR line ends and a last line without one', () => {
    expect(parseCsvRecords('a\r\nb\nc\rd').records).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, fields: ['b'] },
      { line: 3, fields: ['c'] },
      { line: 4, fields: ['d'] },
    ]);
  });

  it('reads quoted commas, doubled quotes and line breaks, and counts lines inside quotes', () => {
    const { records, problems } = parseCsvRecords('"a,b","say ""hi""","two\r\nlines",""\nnext,x\n');
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { line: 1, fields: ['a,b', 'say "hi"', 'two\r\nlines', ''] },
      { line: 3, fields: ['next', 'x'] },
    ]);
  });

  it('skips blank lines', () => {
    expect(parseCsvRecords('a\n\n\r\nb\n').records).toEqual([
      { line: 1, fields: ['a'] },
      { line: 4, fields: ['b'] },
    ]);
  });

  it('reports text after a closing quote and skips that record only', () => {
    const { records, problems } = parseCsvRecords('"ab"c,d\ne,f\n');
    expect(problems).toEqual([{ line: 1, reason: expect.stringMatching(/text follows a closing quote/) }]);
    expect(records).toEqual([{ line: 2, fields: ['e', 'f'] }]);
  });

  it('reports an unterminated quote and stops there', () => {
    const { records, problems } = parseCsvRecords('a,b\n"open,c\nd,e\n');
    expect(records).toEqual([{ line: 1, fields: ['a', 'b'] }]);
    expect(problems).toEqual([{ line: 2, reason: 'a quoted field is never closed; the rest of the file is ignored' }]);
  });
});

describe('csvField', () => {
  it('quotes only fields that need it', () => {
    expect(csvField('plain.png')).toBe('plain.png');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
  });

  it('reads back what it writes', () => {
    const values = ['a,b', '"', '""', 'x\r\ny', ' ', 'ü,"ñ"'];
    expect(parseCsvRecords(values.map(csvField).join(',')).records[0].fields).toEqual(values);
  });
});
