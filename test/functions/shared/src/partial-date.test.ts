import { expect } from 'chai';
import { isPastPartialDate, partialDateRange } from '../../../../functions/shared/src/partial-date';

describe('partial dates', () => {
  it('turns a year, a month or a day into the span of days it stands for', () => {
    expect(partialDateRange('1980')).to.deep.equal({ first: '1980-01-01', last: '1980-12-31' });
    expect(partialDateRange('2024-02')).to.deep.equal({ first: '2024-02-01', last: '2024-02-29' });
    expect(partialDateRange('2023-02')).to.deep.equal({ first: '2023-02-01', last: '2023-02-28' });
    expect(partialDateRange('1999-12-31')).to.deep.equal({ first: '1999-12-31', last: '1999-12-31' });
  });

  it('rejects what is not a real calendar date', () => {
    for (const bad of ['2023-02-29', '1900-02-29', '2024-13', '2024-00', '2024-04-31', '1980-1-1', '80', '1980/01/01', '1980-01-01T00:00:00Z', '0000', ' 1980']) {
      expect(partialDateRange(bad), bad).to.equal(undefined);
    }
    expect(partialDateRange('2000-02-29')).to.not.equal(undefined);
  });

  it('rejects dates that start after today, and accepts the current year, month and day', () => {
    const today = new Date('2026-11-27T10:00:00Z');
    expect(isPastPartialDate('2026', today)).to.equal(true);
    expect(isPastPartialDate('2026-11', today)).to.equal(true);
    expect(isPastPartialDate('2026-11-27', today)).to.equal(true);
    expect(isPastPartialDate('2026-11-28', today)).to.equal(false);
    expect(isPastPartialDate('2026-12', today)).to.equal(false);
    expect(isPastPartialDate('2027', today)).to.equal(false);
  });
});
