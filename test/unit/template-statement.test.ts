import { type AgreementTemplate, AgreementType } from '../../src/agreements/agreement.entity';
import { checkTemplateStatement } from '../../src/agreements/templates';

const MCA: AgreementTemplate = {
  templateId: '117a77b0-9360-443b-8795-c6dedc750cf9',
  type: AgreementType.MICROSOFT_CUSTOMER_AGREEMENT,
  agreementLink: 'https://aka.ms/customeragreement',
  versionRank: 1,
  effectiveDate: '2019-10-01',
  retired: false,
};

const refusal = (work: () => void) => {
  try {
    work();
  } catch (error) {
    return (error as { extensions: Record<string, unknown> }).extensions;
  }
  return null;
};

describe('what a request states about its template', () => {
  it('passes when nothing is stated', () => {
    expect(refusal(() => checkTemplateStatement(MCA, {}, 'body'))).toBeNull();
    expect(refusal(() => checkTemplateStatement(MCA, { type: null, agreementLink: null }, 'body'))).toBeNull();
  });

  it("passes when the type and link are the template's own, the link trimmed", () => {
    const stated = { type: AgreementType.MICROSOFT_CUSTOMER_AGREEMENT, agreementLink: ' https://aka.ms/customeragreement ' };
    expect(refusal(() => checkTemplateStatement(MCA, stated, 'body'))).toBeNull();
  });

  it('refuses another agreement type, naming the field', () => {
    const stated = { type: AgreementType.MICROSOFT_CLOUD_AGREEMENT };
    expect(refusal(() => checkTemplateStatement(MCA, stated, 'body'))).toEqual({ code: 'BAD_USER_INPUT', field: 'body.type' });
  });

  it('refuses another link, even one that differs only in case or a trailing slash', () => {
    for (const agreementLink of ['https://aka.ms/other', 'https://aka.ms/CustomerAgreement', 'https://aka.ms/customeragreement/']) {
      expect(refusal(() => checkTemplateStatement(MCA, { agreementLink }, 'input'))).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.agreementLink',
      });
    }
  });
});
