import { describe, expect, it } from 'vitest';
import { cellsCsv, csvText, scoreCsv } from '../../../src/export';

// Issue 15: every CSV we write escapes spreadsheet formula injection (OWASP's rule): a text field that
// starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe, then RFC 4180 quoting;
// numbers are written as numbers. File names and class names are text from outside the code.

/** RFC 4180 parsing: quoted fields with doubled quotes, commas and line breaks inside. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += text[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
    } else field += c;
  }
  return rows;
}

const HOSTILE = ['=1+2.jpg', '+SUM(A1)', '-2+3', '@cmd', '\tTAB', '\rCR', '=HYPERLINK("http://x","y"),z', 'a/=b.jpg', 'plain.png', '-'];
/** What a spreadsheet must read back for each: a leading apostrophe where the first character starts a formula. */
const SAFE = HOSTILE.map((s) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s));

describe('formula injection in the CSVs', () => {
  it('csvText prefixes formula starters and quotes as RFC 4180 requires', () => {
    expect(HOSTILE.map(csvText)).toEqual(["'=1+2.jpg", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tTAB", "\"'\rCR\"", '"\'=HYPERLINK(""http://x"",""y""),z"', 'a/=b.jpg', 'plain.png', "'-"]);
  });

  it('the batch score CSV: names, predictions, labels and class names in headers are text; probabilities stay numbers', () => {
    const classes = ['=cmd', '-neg'];
    const rows = HOSTILE.map((name, i) => ({ name, prediction: classes[i % 2], probabilities: [0.25, 0.75], label: classes[(i + 1) % 2] }));
    const parsed = parseCsv(scoreCsv(classes, true, rows));
    expect(parsed[0]).toEqual(['name', 'prediction', 'prob_=cmd', 'prob_-neg', 'label']);
    expect(parsed.slice(1).map((r) => r[0])).toEqual(SAFE);
    expect(parsed.slice(1).map((r) => r[1])).toEqual(HOSTILE.map((_, i) => ["'=cmd", "'-neg"][i % 2]));
    expect(parsed.slice(1).map((r) => r[4])).toEqual(HOSTILE.map((_, i) => ["'=cmd", "'-neg"][(i + 1) % 2]));
    for (const r of parsed.slice(1)) expect([Number(r[2]), Number(r[3])]).toEqual([0.25, 0.75]);
  });

  it('the cells CSV: class names are text, negative coordinates stay numbers', () => {
    const cells = { classNames: ['@tumour', '+lymph'], count: 2, x: [-1.5, 2], y: [3, -4], classIndex: [0, 1], score: [0.5, 1] };
    expect(parseCsv(cellsCsv(cells))).toEqual([
      ['x', 'y', 'class', 'score'],
      ['-1.5', '3', "'@tumour", '0.5'],
      ['2', '-4', "'+lymph", '1'],
    ]);
  });
});
