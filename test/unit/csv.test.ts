import { csvField, csvRecord } from '../../src/integrations/reports/csv';

describe('CSV fields (RFC 4180)', () => {
  it('leaves plain text, numbers and booleans as they are, and writes null as an empty field', () => {
    expect(csvField('Contoso Ltd')).toBe('Contoso Ltd');
    expect(csvField(3)).toBe('3');
    expect(csvField(true)).toBe('true');
    expect(csvField(null)).toBe('');
    expect(csvField('')).toBe('');
  });

  it.each([
    ['Contoso, Ltd.', '"Contoso, Ltd."'],
    ['The "Best" Co', '"The ""Best"" Co"'],
    ['two\nlines', '"two\nlines"'],
    ['carriage\rreturn', '"carriage\rreturn"'],
    ['"', '""""'],
  ])('quotes %j as %j, doubling quotes', (value, field) => {
    expect(csvField(value)).toBe(field);
  });

  it.each([
    ['=1+2', "'=1+2"],
    ['+44 Traders', "'+44 Traders"],
    ['-Minus Ltd', "'-Minus Ltd"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTabbed', "'\tTabbed"],
    ['\rReturned', `"'\rReturned"`],
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
  ])('puts a single quote before text a spreadsheet would run: %j', (value, field) => {
    expect(csvField(value)).toBe(field);
  });

  it('leaves the characters alone anywhere but first', () => {
    expect(csvField('A=B+C-D@E')).toBe('A=B+C-D@E');
  });

  it('ends a record with CRLF', () => {
    expect(csvRecord(['a', null, 'b,c', 7])).toBe('a,,"b,c",7\r\n');
  });
});
