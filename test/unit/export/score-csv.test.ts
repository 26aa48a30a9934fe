import { describe, expect, it } from 'vitest';
import { scoreCsv, scoreCsvHeader, scoreCsvRow } from '../../../src/export/score-csv';

// The batch CSV of a walked folder (src/export/score-csv.ts): its rows name the folder's files.
describe('scoreCsv', () => {
  it('writes name, prediction, prob_<class> per class, and label only when labelled', () => {
    expect(scoreCsvHeader(['no', 'yes'], true)).toBe('name,prediction,prob_no,prob_yes,label\n');
    expect(scoreCsvHeader(['no', 'yes'], false)).toBe('name,prediction,prob_no,prob_yes\n');
    const row = { name: 'yes/Y1.jpg', prediction: 'yes', probabilities: new Float32Array([0.25, 0.75]), label: 'yes' };
    expect(scoreCsvRow(row, true)).toBe('yes/Y1.jpg,yes,0.25,0.75,yes\n');
    expect(scoreCsvRow(row, false)).toBe('yes/Y1.jpg,yes,0.25,0.75\n');
    expect(scoreCsvRow({ ...row, label: undefined }, true)).toBe('yes/Y1.jpg,yes,0.25,0.75,\n');
  });

  it('gives float32 probabilities back exactly', () => {
    const p = new Float32Array([1 / 3, 2 / 3]);
    const fields = scoreCsvRow({ name: 'a.png', prediction: 'b', probabilities: p }, false).trim().split(',');
    expect(Math.fround(Number(fields[2]))).toBe(p[0]);
    expect(Math.fround(Number(fields[3]))).toBe(p[1]);
  });

  it('quotes names and classes with commas, quotes or line breaks (RFC 4180)', () => {
    const text = scoreCsv(['a,b', 'say "c"'], true, [
      { name: 'a,b/x "1".png', prediction: 'a,b', probabilities: [1, 0], label: 'a,b' },
      { name: 'line\nbreak.png', prediction: 'say "c"', probabilities: [0, 1], label: 'say "c"' },
    ]);
    expect(text).toBe(
      'name,prediction,"prob_a,b","prob_say ""c""",label\n' +
        '"a,b/x ""1"".png","a,b",1,0,"a,b"\n' +
        '"line\nbreak.png","say ""c""",0,1,"say ""c"""\n',
    );
  });
});
